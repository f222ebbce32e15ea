package io.github.tempered.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * An open {@code .npy}, {@code .npz} or CSV file and its arrays. Only headers are read when it is
 * opened (and, for CSV, every cell once, to count the rows); data are read by the arrays' cursors.
 */
final class ArrayFile implements AutoCloseable {

    private final Path path;
    private final List<StoredArray> arrays;
    private final Closeable resource;

    private ArrayFile(Path path, List<StoredArray> arrays, Closeable resource) {
        this.path = path;
        this.arrays = Collections.unmodifiableList(arrays);
        this.resource = resource;
    }

    /**
     * Opens a file by its extension: {@code .npy}, {@code .npz}, or {@code .csv} / {@code .txt}.
     *
     * @param path the file
     * @return the open file
     * @throws NoSuchFileException if it does not exist
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException for an unknown extension, a directory, or contents that are
     *     not arrays, naming the file
     */
    static ArrayFile open(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException(path + " is not a readable file");
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv") || name.endsWith(".txt")) {
            return new ArrayFile(path, List.of(CsvArray.scan(path)), null);
        }
        if (name.endsWith(".npy")) {
            return openNpy(path);
        }
        if (name.endsWith(".npz")) {
            return openNpz(path);
        }
        throw new IllegalArgumentException(path + ": unknown format; expected .npz, .npy or .csv");
    }

    private static ArrayFile openNpy(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            String what = path.toString();
            NumpyArray.FileSource whole = new NumpyArray.FileSource(channel, 0);
            NumpyHeader header;
            try (InputStream in = whole.open(0)) {
                header = NumpyHeader.read(in, what);
            }
            long dataLength = channel.size() - header.dataOffset();
            NumpyArray array =
                    new NumpyArray(
                            null,
                            what,
                            header,
                            new NumpyArray.FileSource(channel, header.dataOffset()),
                            dataLength,
                            false);
            return new ArrayFile(path, List.of(array), channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static ArrayFile openNpz(Path path) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new IllegalArgumentException(
                    path + " is not a readable NumPy file: " + e.getMessage(), e);
        }
        try {
            List<StoredArray> arrays = new ArrayList<>();
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (entry.isDirectory()) {
                    continue;
                }
                String what = path + " (" + entry.getName() + ")";
                NumpyHeader header;
                try (InputStream in = zip.getInputStream(entry)) {
                    header = NumpyHeader.read(in, what);
                } catch (ZipException e) {
                    throw new IllegalArgumentException(
                            path + " is not a readable NumPy file: " + e.getMessage(), e);
                }
                String member = entry.getName();
                if (member.endsWith(".npy")) {
                    member = member.substring(0, member.length() - 4);
                }
                long size = entry.getSize();
                arrays.add(
                        new NumpyArray(
                                member,
                                what,
                                header,
                                new NumpyArray.ZipSource(zip, entry, header.dataOffset()),
                                size < 0 ? Long.MAX_VALUE : size - header.dataOffset(),
                                size >= 0));
            }
            if (arrays.isEmpty()) {
                throw new IllegalArgumentException(
                        path + " is not a readable NumPy file: it holds no arrays");
            }
            return new ArrayFile(path, arrays, zip);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /**
     * Returns the file.
     *
     * @return the path it was opened with
     */
    Path path() {
        return path;
    }

    /**
     * Returns the arrays, in file order.
     *
     * @return an unmodifiable list, not empty
     */
    List<StoredArray> arrays() {
        return arrays;
    }

    /** Closes the file and deletes any temporary copy made while reading it. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (StoredArray array : arrays) {
            if (array instanceof NumpyArray) {
                try {
                    ((NumpyArray) array).close();
                } catch (IOException e) {
                    failure = e;
                }
            }
        }
        if (resource != null) {
            try {
                resource.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
