"""Letters to subjects: rendering notices from templates and sending them by SMTP."""
