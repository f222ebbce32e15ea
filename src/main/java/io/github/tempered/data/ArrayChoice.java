package io.github.tempered.data;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Which arrays of the opened files are a model's outputs and its labels (by key, or guessed as
 * {@link ModelOutputs} documents), checked against each other: outputs {@code (N, C)} with {@code N
 * >= 1, C >= 2}, or one score per row, {@code (N)} or {@code (N, 1)} (a binary classifier's);
 * labels {@code (N)} or {@code (N, 1)}; both of a readable numeric type.
 */
final class ArrayChoice {

    private static final String[] OUTPUTS_KEYS = {
        "logits", "predictions", "probabilities", "probs", "scores"
    };
    private static final String[] LABELS_KEYS = {"labels", "ground_truth", "targets", "y"};

    /** The most bytes one buffer holds. */
    static final long MAX_BUFFER = Integer.MAX_VALUE - 8;

    final StoredArray outputs;
    final StoredArray labels;

    /** The outputs for messages: the file's name, and the member's in an {@code .npz}. */
    final String outputsName;

    /** The labels for messages: the labels file's name, or the member's name. */
    final String labelsName;

    final long rows;

    /** The number of classes: the outputs' columns, or 2 for binary outputs. */
    final int classes;

    /** The values per row of the outputs: {@code C}, or 1 for binary outputs. */
    final int columns;

    /** Whether the outputs hold one score per row, {@code (N)} or {@code (N, 1)}. */
    final boolean binary;

    /**
     * Chooses and checks the arrays.
     *
     * @param outputsFile the outputs' file
     * @param labelsFile the labels' file, or {@code outputsFile} when they share an {@code .npz}
     * @param outputsKey the outputs' member name, or null to guess
     * @param labelsKey the labels' member name, or null to guess
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    ArrayChoice(ArrayFile outputsFile, ArrayFile labelsFile, String outputsKey, String labelsKey) {
        outputs = pick(outputsFile, outputsKey, OUTPUTS_KEYS, "optOutputsKey", true);
        String outName = outputsFile.path().getFileName().toString();
        if (outputs.name() != null) {
            outName += " (" + outputs.name() + ")";
        }
        outputsName = outName;
        if (labelsFile != outputsFile) {
            labels = pick(labelsFile, labelsKey, LABELS_KEYS, "optLabelsKey", false);
            labelsName = labelsFile.path().getFileName().toString();
        } else {
            if (outputsFile.arrays().size() < 2) {
                throw new IllegalArgumentException(
                        outputsFile.path()
                                + " holds a single array; give the labels with optLabels(file)"
                                + " (or save both arrays in one .npz)");
            }
            labels = pick(outputsFile, labelsKey, LABELS_KEYS, "optLabelsKey", false);
            labelsName = labels.name() == null ? "labels" : labels.name();
        }
        outputs.requireReadable();
        labels.requireReadable();
        long[] shape = outputs.dims();
        if (shape.length != 2 && shape.length != 1) {
            throw new IllegalArgumentException(
                    outputsName
                            + " has shape "
                            + outputs.shapeText()
                            + "; expected (N, C), or (N) for a binary classifier's scores");
        }
        binary = shape.length == 1 || shape[1] == 1;
        long[] labelShape = labels.dims();
        rows = shape[0];
        boolean column = labelShape.length == 2 && labelShape[1] == 1;
        if (!(labelShape.length == 1 || column) || labelShape[0] != rows) {
            throw new IllegalArgumentException(
                    outputsName
                            + " has "
                            + rows
                            + " rows but the labels ("
                            + labelsName
                            + ") have shape "
                            + (column ? new Shape(labelShape[0]) : labels.shapeText())
                            + "; expected ("
                            + rows
                            + ")");
        }
        if (rows == 0 || !binary && shape[1] == 0) {
            throw new IllegalArgumentException(
                    outputsName + " is empty: shape " + outputs.shapeText());
        }
        requireNumeric(outputs, outputsName);
        requireNumeric(labels, "labels " + labelsName);
        if (!binary && shape[1] > MAX_BUFFER / Double.BYTES) {
            throw new IllegalArgumentException(
                    outputsName
                            + " has "
                            + shape[1]
                            + " classes: one row of float64 logits needs more than 2 GB");
        }
        columns = binary ? 1 : (int) shape[1];
        classes = binary ? 2 : columns;
    }

    private static void requireNumeric(StoredArray array, String what) {
        if (!array.type().isNumeric()) {
            throw new IllegalArgumentException(what + " is not numeric: data type " + array.type());
        }
    }

    private static StoredArray pick(
            ArrayFile file, String key, String[] guesses, String option, boolean floats) {
        List<StoredArray> arrays = file.arrays();
        if (key != null) {
            for (StoredArray a : arrays) {
                if (key.equals(a.name())) {
                    return a;
                }
            }
            throw new IllegalArgumentException(
                    file.path()
                            + " has no array named '"
                            + key
                            + "' (it has "
                            + names(arrays)
                            + ")");
        }
        if (arrays.size() == 1) {
            return arrays.get(0);
        }
        for (String guess : guesses) {
            for (StoredArray a : arrays) {
                if (guess.equals(a.name())) {
                    return a;
                }
            }
        }
        // Outputs: the first 2-D floating-point member, else the first 1-D one (binary scores).
        for (int dims : floats ? new int[] {2, 1} : new int[] {0}) {
            for (StoredArray a : arrays) {
                if (floats ? a.isFloating() && a.dims().length == dims : !a.isFloating()) {
                    return a;
                }
            }
        }
        throw new IllegalArgumentException(
                file.path() + " holds " + names(arrays) + "; choose one with " + option);
    }

    private static String names(List<StoredArray> arrays) {
        List<String> names = new ArrayList<>();
        for (StoredArray a : arrays) {
            names.add(a.name() == null ? "(unnamed) " + a.shapeText() : a.name());
        }
        return String.join(", ", names);
    }
}
