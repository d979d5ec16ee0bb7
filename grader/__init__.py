"""Auto-grader for the back-propagation lab (see README.md)."""
