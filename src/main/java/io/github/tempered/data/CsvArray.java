package io.github.tempered.data;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A table of numbers in a CSV file (Apache Commons CSV's default format, cells trimmed), read row
 * by row. A first record that is not numeric is a header and skipped; blank records are skipped;
 * every other record must hold the same number of numeric cells. One column is a 1-D array.
 *
 * <p>{@link #scan} reads the file once to count and check the rows; each cursor parses it again
 * from the start, so memory stays at one run of rows.
 */
final class CsvArray extends StoredArray {

    private final Path file;
    private final long rows;
    private final int columns;

    private CsvArray(Path file, long rows, int columns) {
        this.file = file;
        this.rows = rows;
        this.columns = columns;
    }

    /**
     * Reads a CSV file once, checking every cell, and returns its shape.
     *
     * @param file the file
     * @return the array
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the line and column of a cell that is not a number, a
     *     row with another number of columns, or a file without numeric rows
     */
    static CsvArray scan(Path file) throws IOException {
        long count = 0;
        int width = -1;
        try (Rows rows = new Rows(file)) {
            for (double[] row = rows.next(); row != null; row = rows.next()) {
                width = row.length;
                count++;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException(file + " has no numeric rows");
        }
        return new CsvArray(file, count, width);
    }

    @Override
    String name() {
        return null;
    }

    @Override
    long[] dims() {
        return columns == 1 ? new long[] {rows} : new long[] {rows, columns};
    }

    @Override
    ElementType type() {
        return ElementType.FLOAT64;
    }

    @Override
    void requireReadable() {
        // scan has read every cell.
    }

    @Override
    RowCursor open(long firstRow, int width) throws IOException {
        Rows parser = new Rows(file);
        try {
            for (long skipped = 0; skipped < firstRow; skipped++) {
                requireRow(parser.next());
            }
        } catch (IOException | RuntimeException e) {
            parser.close();
            throw e;
        }
        return new RowCursor() {
            private double[] values = new double[0];

            @Override
            public void next(int count) throws IOException {
                if (values.length < count * width) {
                    values = new double[count * width];
                }
                for (int r = 0; r < count; r++) {
                    System.arraycopy(requireRow(parser.next()), 0, values, r * width, width);
                }
            }

            @Override
            public void row(int row, double[] out) {
                System.arraycopy(values, row * width, out, 0, width);
            }

            @Override
            public void close() throws IOException {
                parser.close();
            }
        };
    }

    private double[] requireRow(double[] row) {
        if (row == null) {
            throw new IllegalArgumentException(
                    file + " has fewer rows than when it was first read (" + rows + ")");
        }
        return row;
    }

    /** The numeric rows of a CSV file, in order. */
    private static final class Rows implements AutoCloseable {
        private final Path file;
        private final Reader reader;
        private final Iterator<CSVRecord> records;
        private int columns = -1;

        Rows(Path file) throws IOException {
            this.file = file;
            this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
            try {
                CSVParser parser = CSVFormat.DEFAULT.builder().setTrim(true).get().parse(reader);
                this.records = parser.iterator();
            } catch (IOException | RuntimeException e) {
                reader.close();
                throw e;
            }
        }

        /** Returns the next numeric row, or null at the end. */
        double[] next() throws IOException {
            try {
                while (records.hasNext()) {
                    CSVRecord record = records.next();
                    if (record.size() == 1 && record.get(0).isEmpty()) {
                        continue;
                    }
                    double[] row = parse(record, record.getRecordNumber() == 1);
                    if (row == null) {
                        continue; // a header row
                    }
                    if (columns >= 0 && row.length != columns) {
                        throw new IllegalArgumentException(
                                String.format(
                                        Locale.ROOT,
                                        "%s, line %d: %d columns, expected %d",
                                        file,
                                        record.getRecordNumber(),
                                        row.length,
                                        columns));
                    }
                    columns = row.length;
                    return row;
                }
                return null;
            } catch (UncheckedIOException e) {
                throw new IllegalArgumentException(file + " is not a readable CSV file", e);
            }
        }

        private double[] parse(CSVRecord record, boolean header) {
            double[] row = new double[record.size()];
            for (int j = 0; j < row.length; j++) {
                String cell = record.get(j);
                try {
                    row[j] = Double.parseDouble(cell);
                } catch (NumberFormatException e) {
                    if (header) {
                        return null;
                    }
                    throw new IllegalArgumentException(
                            String.format(
                                    Locale.ROOT,
                                    "%s, line %d, column %d: '%s' is not a number",
                                    file,
                                    record.getRecordNumber(),
                                    j + 1,
                                    cell));
                }
            }
            return row;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
