package io.github.tempered.data;

import java.io.IOException;

/**
 * Thrown when an IDX file (the format of MNIST and Fashion-MNIST) is corrupt, truncated or not what
 * it should be: a wrong magic number, wrong dimensions, a byte count that does not match the
 * header, a broken gzip stream, labels outside the classes, or image and label files that disagree.
 *
 * <p>It is an {@link IOException} because the problem is in the data read, not in an argument; the
 * message starts with the file's name or path, e.g. {@code
 * "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz: truncated: expected 60000 bytes of
 * data after the header, found 59999"}.
 */
public class IdxFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The offending file's path or name. */
    private final String file;

    /**
     * Creates an exception for a problem in one file.
     *
     * @param file the file's path or name, as the user would recognise it
     * @param problem what is wrong, e.g. {@code "magic number 0x00000801, expected 0x00000803"}
     */
    public IdxFormatException(String file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /**
     * Creates an exception for a problem in one file, with the exception that revealed it.
     *
     * @param file the file's path or name, as the user would recognise it
     * @param problem what is wrong
     * @param cause the underlying exception, e.g. a {@link java.util.zip.ZipException}
     */
    public IdxFormatException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /**
     * Returns the path or name of the offending file.
     *
     * @return the file, as given to the constructor
     */
    public String getFile() {
        return file;
    }
}
