"""Languages for people: gettext catalogs, Babel's dates, numbers and plurals, and choosing one."""
