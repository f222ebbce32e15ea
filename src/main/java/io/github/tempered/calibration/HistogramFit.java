package io.github.tempered.calibration;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * A fitted histogram binning calibration, returned by {@link HistogramBinning}: one value per
 * equal-width bin of the binary probability {@code sigmoid(score)}, or per bin of each class's
 * softmax probability followed by normalisation (see {@link HistogramBinning}).
 *
 * <p>Immutable. {@link #apply} maps new inputs of the form it was fitted on; {@link #toJson()} and
 * {@link #fromJson(String)} write and read the fit (its bin values) as JSON.
 */
public final class HistogramFit extends OneVsRestFit {

    /** The JSON method name. */
    static final String METHOD = "histogram_binning";

    /** Binary maps take {@code sigmoid(score)}. */
    static final DoubleUnaryOperator BINARY_INPUT = Logistic::sigmoid;

    private final int bins;

    HistogramFit(Fitted fitted, int bins) {
        super(BINARY_INPUT, fitted.binary(), fitted.maps(), fitted.nllBefore(), fitted.nllAfter());
        this.bins = bins;
    }

    private HistogramFit(
            boolean binary, HistogramMap[] maps, int bins, double nllBefore, double nllAfter) {
        super(BINARY_INPUT, binary, maps, nllBefore, nllAfter);
        this.bins = bins;
    }

    /**
     * Returns the number of bins.
     *
     * @return {@code B}
     */
    public int bins() {
        return bins;
    }

    /**
     * Returns the calibrated value of every bin of a map.
     *
     * @param k the class, in {@code [0, C)}; 0 for a binary fit
     * @return a new array of {@code B} values in [0, 1], from the lowest bin
     * @throws IllegalArgumentException if {@code k} is out of range
     */
    public double[] values(int k) {
        return histogram(k).values().clone();
    }

    private HistogramMap histogram(int k) {
        return (HistogramMap) map(k);
    }

    /**
     * Returns the fit as JSON: {@code {"format": "tempered-calibration", "version": 1, "method":
     * "histogram_binning", "binary": .., "classes": .., "nll_before": .., "nll_after": .., "bins":
     * B, "maps": [[B values], ..]}}, numbers in their shortest exact decimal form.
     *
     * @return the JSON text
     */
    public String toJson() {
        JsonObject json = jsonHeader(METHOD);
        json.addProperty("bins", bins);
        JsonArray maps = new JsonArray();
        for (int k = 0; k < mapCount(); k++) {
            maps.add(array(histogram(k).values()));
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
    public static HistogramFit fromJson(String json) {
        JsonObject object = parse(json, METHOD);
        int bins = (int) number(object, "bins");
        if (bins < 1) {
            throw new IllegalArgumentException("json: \"bins\" must be at least 1, got " + bins);
        }
        JsonElement mapsElement = object.get("maps");
        if (mapsElement == null || !mapsElement.isJsonArray()) {
            throw new IllegalArgumentException("json: \"maps\" must be an array");
        }
        JsonArray array = mapsElement.getAsJsonArray();
        boolean binary = readBinary(object, array.size());
        HistogramMap[] maps = new HistogramMap[array.size()];
        for (int k = 0; k < maps.length; k++) {
            double[] values = probabilities(array.get(k), "maps[" + k + "]");
            if (values.length != bins) {
                throw new IllegalArgumentException(
                        "json: maps["
                                + k
                                + "] must hold "
                                + bins
                                + " values, got "
                                + values.length);
            }
            maps[k] = new HistogramMap(values);
        }
        return new HistogramFit(
                binary, maps, bins, number(object, "nll_before"), number(object, "nll_after"));
    }

    /**
     * Returns a one-line summary.
     *
     * @return e.g. {@code HistogramFit[C=10, 10 bins, NLL 1.3493 -> 1.2785]}
     */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "HistogramFit[%s, %d bins, NLL %.5g -> %.5g]",
                isBinary() ? "binary" : "C=" + numClasses(),
                bins,
                nllBefore(),
                nllAfter());
    }
}
