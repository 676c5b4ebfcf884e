"""One screen per module; the app imports each lazily, so opening the app pays only for Home."""
