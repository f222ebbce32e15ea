package io.github.tempered.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.github.tempered.calibration.Calibration;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.Calibrator;
import io.github.tempered.calibration.HistogramBinning;
import io.github.tempered.calibration.HistogramFit;
import io.github.tempered.calibration.IsotonicCalibrator;
import io.github.tempered.calibration.IsotonicFit;
import io.github.tempered.calibration.MatrixFit;
import io.github.tempered.calibration.MatrixScaler;
import io.github.tempered.calibration.PlattFit;
import io.github.tempered.calibration.PlattScaler;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.calibration.VectorFit;
import io.github.tempered.calibration.VectorScaler;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The calibration methods of {@code tempered calibrate --method}, which files each applies to, and
 * how each is fitted on fit rows held in memory.
 *
 * <p>Matrix scaling and Dirichlet calibration use the ODIR penalty of Kull et al. (2019) with
 * {@code lambda = mu} chosen by held-out NLL as they (and {@code benchmarks/CompareCalibrators})
 * do: the weights of {@link #ODIR_GRID}, from the largest down, are fitted on the first 80% of the
 * fit rows (file order) and scored by the NLL of the other 20%, until a weight scores more than
 * {@link #ODIR_STOP} (1%) above the best so far; the best is refitted on all fit rows. Smaller
 * weights only overfit more, and stopping there skips the ones whose fits on many classes nearly
 * separate the rows and run for a thousand iterations (a minute each on 100 classes).
 */
enum CalibrationMethod {
    /** Temperature scaling, {@code softmax(z / T)}. */
    TEMPERATURE(false, true),
    /** Vector scaling, {@code softmax(w * z + b)}. */
    VECTOR(false, true),
    /** Matrix scaling with ODIR, {@code softmax(W z + b)}. */
    MATRIX(false, true),
    /** Dirichlet calibration with ODIR, {@code softmax(W log_softmax(z) + b)}. */
    DIRICHLET(false, true),
    /** Histogram binning, 10 equal-width bins (one-vs-rest for multiclass). */
    HISTOGRAM(true, true),
    /** Isotonic regression (one-vs-rest for multiclass). */
    ISOTONIC(true, true),
    /** Platt scaling, {@code sigmoid(a s + b)}: binary only. */
    PLATT(true, false);

    /** The ODIR weights tried for matrix scaling and Dirichlet calibration, largest first. */
    static final double[] ODIR_GRID = {1e5, 1e4, 1e3, 1e2, 10, 1, 1e-1, 1e-2};

    /** The first {@code ODIR_TRAIN / 5} of the fit rows fit each ODIR weight; the rest score it. */
    private static final int ODIR_TRAIN = 4;

    /** The search stops at a weight whose NLL exceeds the best so far by this factor. */
    static final double ODIR_STOP = 1.01;

    private final boolean binary;
    private final boolean multiclass;

    CalibrationMethod(boolean binary, boolean multiclass) {
        this.binary = binary;
        this.multiclass = multiclass;
    }

    /**
     * Returns the name on the command line and in JSON.
     *
     * @return e.g. {@code "dirichlet"}
     */
    String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Returns whether the method applies to binary (one score per row) or multiclass outputs.
     *
     * @param binaryFile whether the file is binary
     * @return whether the method applies
     */
    boolean appliesTo(boolean binaryFile) {
        return binaryFile ? binary : multiclass;
    }

    /**
     * Returns the method used when none is given.
     *
     * @param binaryFile whether the file is binary
     * @return Platt scaling for binary files, temperature scaling otherwise
     */
    static CalibrationMethod defaultFor(boolean binaryFile) {
        return binaryFile ? PLATT : TEMPERATURE;
    }

    /**
     * Returns the methods that apply to a kind of file, in the order of the comparison table.
     *
     * @param binaryFile whether the file is binary
     * @return the methods
     */
    static List<CalibrationMethod> applicable(boolean binaryFile) {
        List<CalibrationMethod> methods = new ArrayList<>();
        if (binaryFile) {
            methods.add(PLATT);
        }
        for (CalibrationMethod m : values()) {
            if (m != PLATT && m.appliesTo(binaryFile)) {
                methods.add(m);
            }
        }
        return methods;
    }

    /**
     * Returns the names of the methods that apply to a kind of file.
     *
     * @param binaryFile whether the file is binary
     * @return e.g. {@code "platt, histogram, isotonic"}
     */
    static String applicableNames(boolean binaryFile) {
        List<String> names = new ArrayList<>();
        for (CalibrationMethod m : applicable(binaryFile)) {
            names.add(m.cliName());
        }
        return String.join(", ", names);
    }

    /**
     * Fits the method on rows held in memory; matrix scaling and Dirichlet calibration choose their
     * ODIR weight first (see the class documentation).
     *
     * @param logits the fit rows: logits {@code (n, C)} or binary scores {@code (n)}
     * @param labels their labels {@code (n)}
     * @return the fit and its summary
     * @throws IllegalArgumentException if the rows do not suit the method
     */
    Fitted fit(NDArray logits, NDArray labels) {
        if (this == MATRIX || this == DIRICHLET) {
            return fitOdir(logits, labels);
        }
        Calibration fit = calibrator().fit(logits, labels);
        return new Fitted(cliName(), label(), fit, parameters(fit));
    }

    /**
     * Fits matrix scaling or Dirichlet calibration without a penalty: the unregularised fit that
     * Guo et al. (2017) report overfitting with many classes, for the comparison.
     *
     * @param logits the fit rows {@code (n, C)}
     * @param labels their classes {@code (n)}
     * @return the fit and its summary
     */
    Fitted fitUnregularised(NDArray logits, NDArray labels) {
        Calibration fit = matrix(0).fit(logits, labels);
        Map<String, Object> parameters = parameters(fit);
        parameters.put("odir_l2", 0.0);
        return new Fitted(cliName() + "_no_odir", cliName() + " (no ODIR)", fit, parameters);
    }

    private Calibrator calibrator() {
        switch (this) {
            case TEMPERATURE:
                return new TemperatureScaler();
            case VECTOR:
                return new VectorScaler();
            case HISTOGRAM:
                return new HistogramBinning();
            case ISOTONIC:
                return new IsotonicCalibrator();
            case PLATT:
                return new PlattScaler();
            default:
                throw new IllegalStateException(this + " is fitted by fitOdir or fitUnregularised");
        }
    }

    private String label() {
        return this == HISTOGRAM
                ? "histogram (" + HistogramBinning.DEFAULT_BINS + " bins)"
                : cliName();
    }

    private MatrixScaler matrix(double l2) {
        return MatrixScaler.builder()
                .optInput(
                        this == DIRICHLET
                                ? MatrixScaler.Input.LOG_PROBABILITIES
                                : MatrixScaler.Input.LOGITS)
                .optOffDiagonalL2(l2)
                .optInterceptL2(l2)
                .build();
    }

    private Fitted fitOdir(NDArray logits, NDArray labels) {
        long rows = logits.getShape().get(0);
        long cut = rows * ODIR_TRAIN / 5;
        if (cut < 1 || cut >= rows) {
            throw new IllegalArgumentException(
                    "--method "
                            + cliName()
                            + " chooses its ODIR weight on 20% of the fit rows and needs at least"
                            + " 5 of them, got "
                            + rows);
        }
        Map<String, Object> validation = new LinkedHashMap<>();
        double best = Double.NaN;
        double bestNll = Double.POSITIVE_INFINITY;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray trainLogits = logits.get("0:{}", cut);
            NDArray trainLabels = labels.get("0:{}", cut);
            NDArray validLogits = logits.get("{}:", cut);
            NDArray validLabels = labels.get("{}:", cut);
            for (double l2 : ODIR_GRID) {
                NDArray p = matrix(l2).fit(trainLogits, trainLabels).apply(validLogits);
                double nll = CalibrationReport.of(p, validLabels, 1).nll();
                validation.put(plain(l2), nll);
                if (nll < bestNll) {
                    bestNll = nll;
                    best = l2;
                } else if (!(nll <= ODIR_STOP * bestNll)) {
                    break;
                }
            }
        }
        MatrixFit fit = matrix(best).fit(logits, labels);
        Map<String, Object> parameters = parameters(fit);
        parameters.put("odir_l2", best);
        parameters.put(
                "odir_choice",
                "lambda = mu with the lowest NLL on the last 20% of the fit rows, fitted on the"
                        + " first 80%, from 1e5 down until the NLL is 1% above the best");
        parameters.put("odir_validation_nll", validation);
        String label = cliName() + " (ODIR, lambda = " + plain(best) + ")";
        return new Fitted(cliName(), label, fit, parameters);
    }

    /** A weight as text without trailing zeros: {@code 0.01}, {@code 1}, {@code 100000}. */
    private static String plain(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /** The fitted parameters' summary of the JSON report's {@code fit} object. */
    private static Map<String, Object> parameters(Calibration fit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nll_before", fit.nllBefore());
        m.put("nll_after", fit.nllAfter());
        if (fit instanceof TemperatureFit t) {
            m.put("temperature", t.temperature());
            m.put("iterations", t.iterations());
        } else if (fit instanceof PlattFit p) {
            m.put("slope", p.slope());
            m.put("intercept", p.intercept());
            m.put("iterations", p.iterations());
            m.put("gradient_norm", p.gradientNorm());
        } else if (fit instanceof VectorFit v) {
            m.put("weights", v.weights());
            m.put("biases", v.biases());
            m.put("iterations", v.iterations());
            m.put("gradient_norm", v.gradientNorm());
        } else if (fit instanceof MatrixFit w) {
            m.put("input", w.input() == MatrixScaler.Input.LOGITS ? "logits" : "log_probabilities");
            m.put("iterations", w.iterations());
            m.put("gradient_norm", w.gradientNorm());
        } else if (fit instanceof HistogramFit h) {
            m.put("bins", h.bins());
        } else if (fit instanceof IsotonicFit i) {
            int thresholds = 0;
            for (int k = 0; k < (i.isBinary() ? 1 : i.numClasses()); k++) {
                thresholds += i.thresholds(k).length;
            }
            m.put("thresholds", thresholds);
        }
        return m;
    }

    /**
     * A fitted method.
     *
     * @param key the name in the JSON report, e.g. {@code "matrix_no_odir"}
     * @param label the name in the comparison table
     * @param calibration the fit
     * @param parameters the summary: NLL before and after on the fit rows, the fitted parameters
     */
    record Fitted(
            String key, String label, Calibration calibration, Map<String, Object> parameters) {}

    /** Converts {@code --method} values, naming the methods in its message. */
    static final class Converter implements ITypeConverter<CalibrationMethod> {
        /** {@inheritDoc} */
        @Override
        public CalibrationMethod convert(String value) {
            for (CalibrationMethod m : values()) {
                if (m.cliName().equalsIgnoreCase(value)) {
                    return m;
                }
            }
            List<String> names = new ArrayList<>();
            for (CalibrationMethod m : values()) {
                names.add(m.cliName());
            }
            throw new TypeConversionException(
                    "'" + value + "' is not a method; expected one of " + String.join(", ", names));
        }
    }
}
