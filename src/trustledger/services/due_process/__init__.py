"""Due process: notices and letters, appeals, review cases, fulfilment, the daily sweep."""
