"""The Textual app. It never imports torch: grading runs in its own process."""
