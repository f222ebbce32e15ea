package io.github.tempered.notebook;

/** A notebook file that is not a readable nbformat 4 notebook for the Java kernel. */
final class NotebookFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    NotebookFormatException(String message) {
        super(message);
    }

    NotebookFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
