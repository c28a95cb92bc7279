// Placeholder: the reference dashboard replaces this file.
