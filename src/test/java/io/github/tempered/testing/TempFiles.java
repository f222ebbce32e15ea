package io.github.tempered.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories of the tests that write files. */
public final class TempFiles {

    private TempFiles() {}

    /**
     * Deletes a directory and everything below it.
     *
     * @param dir the directory
     * @throws IOException if it cannot be listed
     */
    public static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
