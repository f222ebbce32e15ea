package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Precision;
import java.util.function.DoubleUnaryOperator;

/**
 * What the non-parametric calibrations ({@link IsotonicFit}, {@link HistogramFit}) share: one
 * univariate map of a binary classifier's score, or one map per class of a multiclass classifier's
 * softmax probability (one-vs-rest), whose outputs are then divided by their sum; the fit and apply
 * loops in float64 Java; the NLL before and after; the JSON envelope.
 *
 * <p>Normalisation follows scikit-learn's {@code CalibratedClassifierCV}: a row whose calibrated
 * values are all 0 becomes uniform ({@code 1 / C}).
 */
abstract class OneVsRestFit implements Calibration {

    /** The JSON format name. */
    static final String FORMAT = "tempered-calibration";

    /** The JSON format version. */
    static final int VERSION = 1;

    /** A univariate map of one class (or of the binary score). */
    @FunctionalInterface
    interface ClassMap {
        /**
         * Maps an input to a calibrated value.
         *
         * @param input the map's input (a probability, or the binary score)
         * @return the calibrated value, in [0, 1]
         */
        double at(double input);
    }

    /** Fits one class's map. */
    @FunctionalInterface
    interface MapFitter {
        /**
         * Fits a map.
         *
         * @param inputs the map's inputs, one per row
         * @param positive whether each row belongs to the class (binary: has label 1)
         * @return the map
         */
        ClassMap fit(double[] inputs, boolean[] positive);
    }

    private final DoubleUnaryOperator binaryInput;
    private final boolean binary;
    private final ClassMap[] maps;
    private final double nllBefore;
    private final double nllAfter;

    /**
     * Creates a fit.
     *
     * @param binaryInput the input of a binary map, from the score: the score itself, or a
     *     transform of it such as its sigmoid
     * @param binary whether it maps one binary score
     * @param maps one map (binary) or one per class
     * @param nllBefore the NLL of the fit data before
     * @param nllAfter the NLL of the fit data after
     */
    OneVsRestFit(
            DoubleUnaryOperator binaryInput,
            boolean binary,
            ClassMap[] maps,
            double nllBefore,
            double nllAfter) {
        this.binaryInput = binaryInput;
        this.binary = binary;
        this.maps = maps.clone();
        this.nllBefore = nllBefore;
        this.nllAfter = nllAfter;
    }

    /**
     * Returns whether the fit maps one binary score per row (P(y = 1)) rather than {@code C} class
     * probabilities.
     *
     * @return {@code true} for a binary fit
     */
    public boolean isBinary() {
        return binary;
    }

    /**
     * Returns the number of classes.
     *
     * @return {@code C}, or 2 for a binary fit
     */
    public int numClasses() {
        return binary ? 2 : maps.length;
    }

    /** {@inheritDoc} */
    @Override
    public double nllBefore() {
        return nllBefore;
    }

    /** {@inheritDoc} */
    @Override
    public double nllAfter() {
        return nllAfter;
    }

    /** The number of maps: 1 for a binary fit, {@code C} otherwise. */
    int mapCount() {
        return maps.length;
    }

    /**
     * Returns the map of class {@code k} (binary: 0).
     *
     * @throws IllegalArgumentException if {@code k} is out of range
     */
    ClassMap map(int k) {
        if (k < 0 || k >= maps.length) {
            throw new IllegalArgumentException("k: must be in [0, " + maps.length + "), got " + k);
        }
        return maps[k];
    }

    /**
     * Returns the calibrated probabilities, computed in float64 Java and returned in float64 for
     * float64 input and in float32 otherwise, attached to the manager of {@code logits} on its
     * device.
     *
     * @param logits binary scores {@code (N)} or {@code (N, 1)} for a binary fit; logits {@code (N,
     *     C)} otherwise; finite
     * @return {@code P(y = 1)} of shape {@code (N)}, or rows {@code (N, C)} that sum to 1
     * @throws IllegalArgumentException if {@code logits} is null, of the other form or size, not
     *     floating point, or holds a NaN or infinite value
     */
    @Override
    public NDArray apply(NDArray logits) {
        double[] out;
        Shape shape;
        if (binary) {
            CalibrationInputs.requireBinaryShape(logits, "scores");
            double[] scores = CalibrationInputs.finite(logits, "scores");
            out = new double[scores.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = maps[0].at(binaryInput.applyAsDouble(scores[i]));
            }
            shape = new Shape(scores.length);
        } else {
            CalibrationInputs.requireMatrix(logits, maps.length);
            out = CalibrationInputs.finite(logits, "logits");
            Softmax.inPlace(out, maps.length);
            calibrateRows(out, maps);
            shape = logits.getShape();
        }
        return OwnedArrays.create(logits, out, shape, Precision.computeType(logits.getDataType()));
    }

    /**
     * Maps each row's probabilities through the class maps and normalises the row, in place.
     *
     * @param probabilities the rows, {@code maps.length} per row
     * @param maps the class maps
     */
    static void calibrateRows(double[] probabilities, ClassMap[] maps) {
        int classes = maps.length;
        for (int offset = 0; offset < probabilities.length; offset += classes) {
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                double v = maps[k].at(probabilities[offset + k]);
                probabilities[offset + k] = v;
                sum += v;
            }
            for (int k = 0; k < classes; k++) {
                probabilities[offset + k] =
                        sum > 0 ? probabilities[offset + k] / sum : 1.0 / classes;
            }
        }
    }

    /**
     * The maps and NLLs of a fit.
     *
     * @param binary whether the input was binary
     * @param maps the maps
     * @param nllBefore the NLL before
     * @param nllAfter the NLL after
     */
    record Fitted(boolean binary, ClassMap[] maps, double nllBefore, double nllAfter) {}

    /**
     * Fits one map to binary scores, or one map per class to multiclass logits.
     *
     * @param logits binary scores {@code (N)} / {@code (N, 1)} or logits {@code (N, C)}
     * @param labels 0/1 labels or class indices
     * @param binaryInput the input of the binary map, from the score
     * @param fitter fits one map
     * @return the maps and NLLs
     * @throws IllegalArgumentException for invalid input
     */
    static Fitted fit(
            NDArray logits, NDArray labels, DoubleUnaryOperator binaryInput, MapFitter fitter) {
        if (logits == null) {
            throw new IllegalArgumentException("logits: must not be null");
        }
        if (logits.getShape().dimension() > 2) {
            throw new IllegalArgumentException(
                    "logits: must have shape (N, C) for multiclass logits, or (N) / (N, 1) for"
                            + " one binary score per row, got "
                            + logits.getShape());
        }
        if (CalibrationInputs.isBinary(logits)) {
            CalibrationInputs.Binary data = CalibrationInputs.binary(logits, labels);
            double[] scores = data.scores();
            int[] y = data.labels();
            double[] inputs = new double[scores.length];
            boolean[] positive = new boolean[scores.length];
            double before = 0;
            for (int i = 0; i < scores.length; i++) {
                inputs[i] = binaryInput.applyAsDouble(scores[i]);
                positive[i] = y[i] == 1;
                double s = scores[i];
                before += Logistic.nll(s, y[i]);
            }
            ClassMap map = fitter.fit(inputs, positive);
            double after = 0;
            for (int i = 0; i < scores.length; i++) {
                double p = map.at(inputs[i]);
                after -= Math.log(Math.max(positive[i] ? p : 1 - p, Double.MIN_NORMAL));
            }
            int n = scores.length;
            return new Fitted(true, new ClassMap[] {map}, before / n, after / n);
        }
        CalibrationInputs.Multiclass data = CalibrationInputs.multiclass(logits, labels);
        int rows = data.rows();
        int classes = data.classes();
        int[] y = data.labels();
        double[] probabilities = data.logits();
        Softmax.logInPlace(probabilities, classes);
        double before = 0;
        for (int i = 0; i < rows; i++) {
            before -= probabilities[i * classes + y[i]];
        }
        for (int k = 0; k < probabilities.length; k++) {
            probabilities[k] = Math.exp(probabilities[k]);
        }
        ClassMap[] maps = new ClassMap[classes];
        double[] inputs = new double[rows];
        boolean[] positive = new boolean[rows];
        for (int k = 0; k < classes; k++) {
            for (int i = 0; i < rows; i++) {
                inputs[i] = probabilities[i * classes + k];
                positive[i] = y[i] == k;
            }
            maps[k] = fitter.fit(inputs, positive);
        }
        calibrateRows(probabilities, maps);
        double after = 0;
        for (int i = 0; i < rows; i++) {
            after -= Math.log(Math.max(probabilities[i * classes + y[i]], Double.MIN_NORMAL));
        }
        return new Fitted(false, maps, before / rows, after / rows);
    }

    /**
     * Starts the JSON form of a fit: the format, version, method, binary flag, classes and NLLs.
     *
     * @param method the method's name
     * @return the object to add the maps to
     */
    JsonObject jsonHeader(String method) {
        JsonObject json = new JsonObject();
        json.addProperty("format", FORMAT);
        json.addProperty("version", VERSION);
        json.addProperty("method", method);
        json.addProperty("binary", binary);
        json.addProperty("classes", numClasses());
        json.addProperty("nll_before", nllBefore);
        json.addProperty("nll_after", nllAfter);
        return json;
    }

    /**
     * Parses and checks the JSON envelope of a fit.
     *
     * @param json the text
     * @param method the method expected
     * @return the object
     * @throws IllegalArgumentException if the text is not such an object
     */
    static JsonObject parse(String json, String method) {
        if (json == null) {
            throw new IllegalArgumentException("json: must not be null");
        }
        JsonObject object;
        try {
            JsonElement element = JsonParser.parseString(json);
            if (!element.isJsonObject()) {
                throw new IllegalArgumentException(
                        "json: must be a JSON object, got " + abbreviate(json));
            }
            object = element.getAsJsonObject();
        } catch (JsonSyntaxException e) {
            throw new IllegalArgumentException(
                    "json: is not valid JSON (" + e.getMessage() + "): " + abbreviate(json), e);
        }
        String format = string(object, "format");
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException(
                    "json: \"format\" must be \"" + FORMAT + "\", got \"" + format + "\"");
        }
        int version = (int) number(object, "version");
        if (version != VERSION) {
            throw new IllegalArgumentException(
                    "json: unsupported \"version\" " + version + ", expected " + VERSION);
        }
        String found = string(object, "method");
        if (!method.equals(found)) {
            throw new IllegalArgumentException(
                    "json: \"method\" must be \"" + method + "\", got \"" + found + "\"");
        }
        return object;
    }

    /** Reads a required string field. */
    static String string(JsonObject object, String field) {
        JsonElement e = object.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("json: \"" + field + "\" must be a string");
        }
        return e.getAsString();
    }

    /** Reads a required finite number field. */
    static double number(JsonObject object, String field) {
        JsonElement e = object.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("json: \"" + field + "\" must be a number");
        }
        double v = e.getAsDouble();
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("json: \"" + field + "\" must be finite, got " + v);
        }
        return v;
    }

    /** Reads a required boolean field. */
    static boolean bool(JsonObject object, String field) {
        JsonElement e = object.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("json: \"" + field + "\" must be true or false");
        }
        return e.getAsBoolean();
    }

    /** Reads an array of probabilities (finite, in [0, 1]) at a path for messages. */
    static double[] probabilities(JsonElement element, String path) {
        double[] values = numbers(element, path);
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] >= 0 && values[i] <= 1)) {
                throw new IllegalArgumentException(
                        "json: " + path + "[" + i + "] must be in [0, 1], got " + values[i]);
            }
        }
        return values;
    }

    /** Reads a non-empty array of finite numbers at a path for messages. */
    static double[] numbers(JsonElement element, String path) {
        if (element == null || !element.isJsonArray() || element.getAsJsonArray().isEmpty()) {
            throw new IllegalArgumentException(
                    "json: " + path + " must be a non-empty array of numbers");
        }
        JsonArray array = element.getAsJsonArray();
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            JsonElement e = array.get(i);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException(
                        "json: " + path + "[" + i + "] must be a number, got " + e);
            }
            values[i] = e.getAsDouble();
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(
                        "json: " + path + "[" + i + "] must be finite, got " + values[i]);
            }
        }
        return values;
    }

    /** Writes numbers as a JSON array (shortest round-trip decimal form). */
    static JsonArray array(double[] values) {
        JsonArray array = new JsonArray(values.length);
        for (double v : values) {
            array.add(new JsonPrimitive(v));
        }
        return array;
    }

    /**
     * Reads the header fields shared by the methods and checks the class count against the maps.
     *
     * @param object the parsed object
     * @param maps the number of maps the object holds
     * @return the binary flag
     * @throws IllegalArgumentException if the flag, the class count and the maps disagree
     */
    static boolean readBinary(JsonObject object, int maps) {
        boolean binary = bool(object, "binary");
        int classes = (int) number(object, "classes");
        int expected = binary ? 1 : classes;
        if (binary ? classes != 2 : classes < 2) {
            throw new IllegalArgumentException(
                    "json: \"classes\" must be "
                            + (binary ? "2 for a binary fit" : "at least 2")
                            + ", got "
                            + classes);
        }
        if (maps != expected) {
            throw new IllegalArgumentException(
                    "json: \"maps\" must hold "
                            + expected
                            + " map(s) for "
                            + (binary ? "a binary fit" : classes + " classes")
                            + ", got "
                            + maps);
        }
        return binary;
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
