package io.github.tempered.calibration;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * A fitted isotonic calibration, returned by {@link IsotonicCalibrator}: one non-decreasing
 * piecewise linear map of a binary score, or one per class of the softmax probabilities followed by
 * normalisation (see {@link IsotonicCalibrator} for the conventions).
 *
 * <p>Immutable. {@link #apply} maps new inputs of the form it was fitted on; {@link #toJson()} and
 * {@link #fromJson(String)} write and read the fit (its thresholds) as JSON, e.g. to ship it with a
 * model.
 */
public final class IsotonicFit extends OneVsRestFit {

    /** The JSON method name. */
    static final String METHOD = "isotonic";

    /** Binary maps take the score itself. */
    static final DoubleUnaryOperator BINARY_INPUT = s -> s;

    IsotonicFit(Fitted fitted) {
        super(BINARY_INPUT, fitted.binary(), fitted.maps(), fitted.nllBefore(), fitted.nllAfter());
    }

    private IsotonicFit(boolean binary, IsotonicMap[] maps, double nllBefore, double nllAfter) {
        super(BINARY_INPUT, binary, maps, nllBefore, nllAfter);
    }

    /**
     * Returns the thresholds of a map: the inputs at which the piecewise linear map is defined.
     *
     * @param k the class, in {@code [0, C)}; 0 for a binary fit
     * @return a new, strictly increasing array (binary scores, or class probabilities)
     * @throws IllegalArgumentException if {@code k} is out of range
     */
    public double[] thresholds(int k) {
        return isotonic(k).x().clone();
    }

    /**
     * Returns the fitted values of a map at its thresholds.
     *
     * @param k the class, in {@code [0, C)}; 0 for a binary fit
     * @return a new, non-decreasing array in [0, 1], one value per threshold
     * @throws IllegalArgumentException if {@code k} is out of range
     */
    public double[] values(int k) {
        return isotonic(k).y().clone();
    }

    private IsotonicMap isotonic(int k) {
        return (IsotonicMap) map(k);
    }

    /**
     * Returns the fit as JSON: {@code {"format": "tempered-calibration", "version": 1, "method":
     * "isotonic", "binary": .., "classes": .., "nll_before": .., "nll_after": .., "maps": [{"x":
     * [..], "y": [..]}, ..]}}, numbers in their shortest exact decimal form.
     *
     * @return the JSON text
     */
    public String toJson() {
        JsonObject json = jsonHeader(METHOD);
        JsonArray maps = new JsonArray();
        for (int k = 0; k < mapCount(); k++) {
            JsonObject map = new JsonObject();
            map.add("x", array(isotonic(k).x()));
            map.add("y", array(isotonic(k).y()));
            maps.add(map);
        }
        json.add("maps", maps);
        return json.toString();
    }

    /**
     * Reads a fit written by {@link #toJson()}.
     *
     * @param json the JSON text
     * @return the fit, equal in every value to the one written
     * @throws IllegalArgumentException if the text is not such a fit; the message names the field
     */
    public static IsotonicFit fromJson(String json) {
        JsonObject object = parse(json, METHOD);
        JsonElement mapsElement = object.get("maps");
        if (mapsElement == null || !mapsElement.isJsonArray()) {
            throw new IllegalArgumentException("json: \"maps\" must be an array");
        }
        JsonArray array = mapsElement.getAsJsonArray();
        boolean binary = readBinary(object, array.size());
        IsotonicMap[] maps = new IsotonicMap[array.size()];
        for (int k = 0; k < maps.length; k++) {
            JsonElement e = array.get(k);
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("json: maps[" + k + "] must be an object");
            }
            String path = "maps[" + k + "]";
            double[] x = numbers(e.getAsJsonObject().get("x"), path + ".x");
            double[] y = probabilities(e.getAsJsonObject().get("y"), path + ".y");
            if (x.length != y.length) {
                throw new IllegalArgumentException(
                        "json: "
                                + path
                                + ".x and .y must have the same length, got "
                                + x.length
                                + " and "
                                + y.length);
            }
            for (int i = 1; i < x.length; i++) {
                if (!(x[i] > x[i - 1])) {
                    throw new IllegalArgumentException(
                            "json: " + path + ".x must be strictly increasing, at " + i);
                }
                if (!(y[i] >= y[i - 1])) {
                    throw new IllegalArgumentException(
                            "json: " + path + ".y must be non-decreasing, at " + i);
                }
            }
            maps[k] = new IsotonicMap(x, y);
        }
        return new IsotonicFit(
                binary, maps, number(object, "nll_before"), number(object, "nll_after"));
    }

    /**
     * Returns a one-line summary.
     *
     * @return e.g. {@code IsotonicFit[C=10, NLL 1.3493 -> 1.2602, 412 thresholds]}
     */
    @Override
    public String toString() {
        int thresholds = 0;
        for (int k = 0; k < mapCount(); k++) {
            thresholds += isotonic(k).x().length;
        }
        return String.format(
                Locale.ROOT,
                "IsotonicFit[%s, NLL %.5g -> %.5g, %d thresholds]",
                isBinary() ? "binary" : "C=" + numClasses(),
                nllBefore(),
                nllAfter(),
                thresholds);
    }
}
