package io.github.tempered.notebook;

/**
 * A notebook cell that failed: a compile error, an exception, an unknown magic, a dependency that
 * cannot be mapped, or outputs that differ from the stored ones. The message starts with the
 * notebook and the cell number ({@code notebooks/x.ipynb, cell 7: compile error: ...}).
 */
final class NotebookException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int cell;
    private final String kind;

    NotebookException(String notebook, int cell, String kind, String detail) {
        this(notebook, cell, kind, detail, null);
    }

    NotebookException(String notebook, int cell, String kind, String detail, Throwable cause) {
        super(notebook + ", cell " + cell + ": " + kind + ": " + detail, cause);
        this.cell = cell;
        this.kind = kind;
    }

    /** The failing cell's 1-based position among all cells. */
    int cell() {
        return cell;
    }

    /** What went wrong: "compile error", "exception", "unknown magic", "output differs", ... */
    String kind() {
        return kind;
    }
}
