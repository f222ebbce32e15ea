package io.github.tempered.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.calibration.CalibrationReport;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a model's saved outputs (logits or probabilities) and the true labels from NumPy {@code
 * .npz} / {@code .npy} files (decoded by DJL) or CSV files (read with Apache Commons CSV).
 *
 * <p>Probabilities are turned into logits as {@code log(max(p, 1e-38))}: the result differs from
 * the model's logits by a per-row constant, which changes neither the softmax nor temperature
 * scaling, and probabilities of exactly 0 stay finite.
 */
final class ModelOutputs {

    private static final double TINY = 1e-38;
    private static final String[] LOGITS_KEYS = {"logits", "predictions", "probabilities", "probs"};
    private static final String[] LABELS_KEYS = {"labels", "ground_truth", "targets", "y"};

    /**
     * Loaded outputs.
     *
     * @param logits float64 (N, C) logits
     * @param labels int64 (N) class indices in [0, C)
     * @param description where they came from, for the report
     */
    record Loaded(NDArray logits, NDArray labels, String description) {}

    private ModelOutputs() {}

    /**
     * Loads logits (or probabilities) and labels.
     *
     * @param manager the manager for the arrays
     * @param file the {@code .npz}, {@code .npy} or {@code .csv} file of outputs
     * @param labelsFile a separate labels file ({@code .npy} or {@code .csv}), or null to take the
     *     labels from {@code file} (an {@code .npz})
     * @param logitsKey the array name in an {@code .npz}, or null to guess
     * @param labelsKey the labels' array name in an {@code .npz}, or null to guess
     * @param probabilities whether the outputs are probabilities
     * @return the logits and labels
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the contents are not usable, naming the file
     */
    static Loaded load(
            NDManager manager,
            Path file,
            Path labelsFile,
            String logitsKey,
            String labelsKey,
            boolean probabilities)
            throws IOException {
        NDList arrays = read(manager, file);
        String outputsName = file.getFileName().toString();
        NDArray outputs = pick(arrays, logitsKey, LOGITS_KEYS, file, "--logits-key", true);
        if (outputsName.endsWith(".npz") && outputs.getName() != null) {
            outputsName += " (" + outputs.getName() + ")";
        }
        NDArray labels;
        String labelsName;
        if (labelsFile != null) {
            NDList labelArrays = read(manager, labelsFile);
            labels = pick(labelArrays, labelsKey, LABELS_KEYS, labelsFile, "--labels-key", false);
            labelsName = labelsFile.getFileName().toString();
        } else {
            if (arrays.size() < 2) {
                throw new IllegalArgumentException(
                        file
                                + " holds a single array; give the labels with --labels FILE (or"
                                + " save both arrays in one .npz)");
            }
            labels = pick(arrays, labelsKey, LABELS_KEYS, file, "--labels-key", false);
            labelsName = labels.getName() == null ? "labels" : labels.getName();
        }
        if (outputs.getShape().dimension() != 2) {
            throw new IllegalArgumentException(
                    outputsName + " has shape " + outputs.getShape() + "; expected (N, C)");
        }
        Shape labelShape = labels.getShape();
        if (labelShape.dimension() == 2 && labelShape.get(1) == 1) {
            labels = labels.reshape(labelShape.get(0));
        }
        long n = outputs.getShape().get(0);
        int c = Math.toIntExact(outputs.getShape().get(1));
        if (labels.getShape().dimension() != 1 || labels.getShape().get(0) != n) {
            throw new IllegalArgumentException(
                    outputsName
                            + " has "
                            + n
                            + " rows but the labels ("
                            + labelsName
                            + ") have shape "
                            + labels.getShape()
                            + "; expected ("
                            + n
                            + ")");
        }
        if (n == 0 || c == 0) {
            throw new IllegalArgumentException(
                    outputsName + " is empty: shape " + outputs.getShape());
        }
        double[] values = toDoubles(outputs, outputsName);
        long[] classes = toClasses(labels, labelsName, c);
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(
                        outputsName + " contains a non-finite value (" + v + ")");
            }
        }
        if (probabilities) {
            checkProbabilities(values, c, outputsName);
            for (int i = 0; i < values.length; i++) {
                values[i] = Math.log(Math.max(values[i], TINY));
            }
        }
        NDArray logits = manager.create(values, new Shape(n, c));
        NDArray labelArray = manager.create(classes);
        return new Loaded(
                logits,
                labelArray,
                String.format(
                        Locale.ROOT,
                        "%s, labels %s: %d rows, %d classes%s",
                        outputsName,
                        labelsName,
                        n,
                        c,
                        probabilities ? " (probabilities; log taken)" : " (logits)"));
    }

    private static NDList read(NDManager manager, Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(file + " is not a readable file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv") || name.endsWith(".txt")) {
            return new NDList(readCsv(manager, file));
        }
        if (!name.endsWith(".npz") && !name.endsWith(".npy")) {
            throw new IllegalArgumentException(
                    file + ": unknown format; expected .npz, .npy or .csv");
        }
        // Before DJL decodes anything: some NumPy types abort the JVM inside DJL's engine.
        NumpyHeaders.check(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            NDList list = NDList.decode(manager, in);
            if (list.isEmpty()) {
                throw new IllegalArgumentException(
                        file + " is not a readable NumPy file: it holds no arrays");
            }
            return list;
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException
                    && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IllegalArgumentException(
                    file + " is not a readable NumPy file: " + e.getMessage(), e);
        }
    }

    private static NDArray readCsv(NDManager manager, Path file) throws IOException {
        List<double[]> rows = new ArrayList<>();
        int columns = -1;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (CSVRecord record : CSVFormat.DEFAULT.builder().setTrim(true).get().parse(reader)) {
                if (record.size() == 1 && record.get(0).isEmpty()) {
                    continue;
                }
                double[] row = new double[record.size()];
                boolean header = rows.isEmpty() && record.getRecordNumber() == 1;
                for (int j = 0; j < row.length; j++) {
                    String cell = record.get(j);
                    try {
                        row[j] = Double.parseDouble(cell);
                    } catch (NumberFormatException e) {
                        if (header) {
                            row = null;
                            break;
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
                rows.add(row);
            }
        } catch (java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(file + " is not a readable CSV file", e);
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + " has no numeric rows");
        }
        double[] flat = new double[rows.size() * columns];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * columns, columns);
        }
        NDArray array = manager.create(flat, new Shape(rows.size(), columns));
        return columns == 1 ? array.reshape(rows.size()) : array;
    }

    private static NDArray pick(
            NDList arrays, String key, String[] guesses, Path file, String option, boolean floats) {
        if (key != null) {
            for (NDArray a : arrays) {
                if (key.equals(a.getName())) {
                    return a;
                }
            }
            throw new IllegalArgumentException(
                    file + " has no array named '" + key + "' (it has " + names(arrays) + ")");
        }
        if (arrays.size() == 1) {
            return arrays.get(0);
        }
        for (String guess : guesses) {
            for (NDArray a : arrays) {
                if (guess.equals(a.getName())) {
                    return a;
                }
            }
        }
        for (NDArray a : arrays) {
            boolean isFloat = a.getDataType().isFloating();
            if (floats ? isFloat && a.getShape().dimension() == 2 : !isFloat) {
                return a;
            }
        }
        throw new IllegalArgumentException(
                file + " holds " + names(arrays) + "; choose one with " + option);
    }

    private static String names(NDList arrays) {
        List<String> names = new ArrayList<>();
        for (NDArray a : arrays) {
            names.add(a.getName() == null ? "(unnamed) " + a.getShape() : a.getName());
        }
        return String.join(", ", names);
    }

    private static double[] toDoubles(NDArray array, String what) {
        if (!array.getDataType().isFloating() && !array.getDataType().isInteger()) {
            throw new IllegalArgumentException(
                    what + " is not numeric: data type " + array.getDataType());
        }
        try (NDArray wide = array.toType(DataType.FLOAT64, true)) {
            return wide.toDoubleArray();
        }
    }

    private static long[] toClasses(NDArray labels, String what, int numClasses) {
        double[] values = toDoubles(labels, "labels " + what);
        long[] classes = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (v != Math.rint(v) || v < 0 || v >= numClasses) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "labels %s: row %d holds %s, not a class index in [0, %d)",
                                what,
                                i,
                                v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v),
                                numClasses));
            }
            classes[i] = (long) v;
        }
        return classes;
    }

    private static void checkProbabilities(double[] values, int c, String what) {
        for (int row = 0; row < values.length / c; row++) {
            double sum = 0;
            for (int j = 0; j < c; j++) {
                double p = values[row * c + j];
                if (p < 0) {
                    throw new IllegalArgumentException(
                            String.format(
                                    Locale.ROOT,
                                    "%s: row %d has a negative probability %s (column %d);"
                                            + " are these logits? drop --probabilities",
                                    what,
                                    row,
                                    p,
                                    j));
                }
                sum += p;
            }
            if (Math.abs(sum - 1) > CalibrationReport.ROW_SUM_TOLERANCE) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "%s: row %d sums to %.6f, not 1 (tolerance %s); are these"
                                        + " logits? drop --probabilities",
                                what,
                                row,
                                sum,
                                CalibrationReport.ROW_SUM_TOLERANCE));
            }
        }
    }
}
