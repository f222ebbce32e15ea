package io.github.tempered.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.tempered.calibration.Calibration;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.Calibrator;
import io.github.tempered.calibration.HistogramBinning;
import io.github.tempered.calibration.IsotonicCalibrator;
import io.github.tempered.calibration.MatrixScaler;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.calibration.VectorScaler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * Compares every multiclass calibration method on classifier outputs stored as NumPy {@code .npz}
 * files ({@code predictions}: softmax probabilities {@code (N, C)}, {@code ground_truth}: classes
 * {@code (N)}), such as the four CIFAR outputs in {@code src/test/resources/model-outputs/}: the
 * logits are {@code log(predictions)} in float64, each method is fitted on the first half of the
 * rows (file order) and scored on the second half: NLL, ECE and MCE (15 equal-width bins, Guo et
 * al. 2017), Brier score and accuracy, as a Markdown table per file.
 *
 * <p>The ODIR weights of matrix scaling and Dirichlet calibration (the same value for the
 * off-diagonal and the intercept term) are chosen as Kull et al. (2019) do, by validation: each
 * value of a grid is fitted on the first 80% of the fit half and scored by the NLL of the last 20%,
 * then the best is refitted on the whole fit half.
 *
 * <p>Run {@code java -cp benchmarks/target/benchmarks.jar
 * io.github.tempered.benchmarks.CompareCalibrators src/test/resources/model-outputs/*.npz}.
 */
public final class CompareCalibrators {

    /** The ODIR weights tried. */
    private static final double[] ODIR_GRID = {1e-2, 1e-1, 1, 10, 1e2, 1e3, 1e4, 1e5};

    private static final int BINS = 15;

    private CompareCalibrators() {}

    /**
     * Runs the comparison.
     *
     * @param args the {@code .npz} files
     * @throws IOException if a file cannot be read
     */
    @SuppressWarnings("PMD.SystemPrintln")
    public static void main(String[] args) throws IOException {
        for (String file : args) {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDList data;
                try (InputStream in = Files.newInputStream(Path.of(file))) {
                    data = NDList.decode(manager, in);
                }
                NDArray logits = data.get("predictions").toType(DataType.FLOAT64, false).log();
                NDArray labels = data.get("ground_truth");
                long rows = logits.getShape().get(0);
                long half = rows / 2;
                NDArray fitLogits = logits.get("0:{}", half);
                NDArray fitLabels = labels.get("0:{}", half);
                NDArray testLogits = logits.get("{}:", half);
                NDArray testLabels = labels.get("{}:", half);
                System.out.printf(
                        Locale.ROOT,
                        "%n%s: %d classes, fit on rows [0, %d), scored on [%d, %d)%n%n",
                        Path.of(file).getFileName(),
                        logits.getShape().get(1),
                        half,
                        half,
                        rows);
                System.out.println(
                        "| method | NLL | ECE % | MCE % | Brier | accuracy % | fit s | fit |");
                System.out.println("|---|---:|---:|---:|---:|---:|---:|---|");
                print(
                        "uncalibrated",
                        CalibrationReport.ofLogits(testLogits, testLabels, BINS),
                        0,
                        "");
                for (Map.Entry<String, Calibrator> method :
                        methods(fitLogits, fitLabels).entrySet()) {
                    long start = System.nanoTime();
                    Calibration fit = method.getValue().fit(fitLogits, fitLabels);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    try (NDArray p = fit.apply(testLogits)) {
                        print(
                                method.getKey(),
                                CalibrationReport.of(p, testLabels, BINS),
                                seconds,
                                fit.toString());
                    }
                }
            }
        }
    }

    private static Map<String, Calibrator> methods(NDArray logits, NDArray labels) {
        Map<String, Calibrator> methods = new LinkedHashMap<>();
        methods.put("temperature", new TemperatureScaler());
        methods.put("vector", new VectorScaler());
        methods.put("matrix", new MatrixScaler());
        DoubleFunction<Calibrator> matrixOdir =
                l -> MatrixScaler.builder().optOffDiagonalL2(l).optInterceptL2(l).build();
        double matrixL = chooseOdir(matrixOdir, logits, labels);
        methods.put(label("matrix ODIR", matrixL), matrixOdir.apply(matrixL));
        methods.put(
                "dirichlet",
                MatrixScaler.builder().optInput(MatrixScaler.Input.LOG_PROBABILITIES).build());
        DoubleFunction<Calibrator> dirichletOdir =
                l ->
                        MatrixScaler.builder()
                                .optInput(MatrixScaler.Input.LOG_PROBABILITIES)
                                .optOffDiagonalL2(l)
                                .optInterceptL2(l)
                                .build();
        double dirichletL = chooseOdir(dirichletOdir, logits, labels);
        methods.put(label("dirichlet ODIR", dirichletL), dirichletOdir.apply(dirichletL));
        methods.put("histogram (10 bins)", new HistogramBinning());
        methods.put("isotonic", new IsotonicCalibrator());
        return methods;
    }

    private static String label(String name, double weight) {
        return String.format(Locale.ROOT, "%s (lambda = mu = %g)", name, weight);
    }

    /** The grid value whose fit on 80% of the fit rows gives the lowest NLL on the other 20%. */
    private static double chooseOdir(
            DoubleFunction<Calibrator> method, NDArray logits, NDArray labels) {
        long rows = logits.getShape().get(0);
        long cut = rows * 4 / 5;
        NDArray trainLogits = logits.get("0:{}", cut);
        NDArray trainLabels = labels.get("0:{}", cut);
        NDArray validLogits = logits.get("{}:", cut);
        NDArray validLabels = labels.get("{}:", cut);
        double best = Double.NaN;
        double bestNll = Double.POSITIVE_INFINITY;
        for (double weight : ODIR_GRID) {
            Calibration fit = method.apply(weight).fit(trainLogits, trainLabels);
            try (NDArray p = fit.apply(validLogits)) {
                double nll = CalibrationReport.of(p, validLabels, BINS).nll();
                if (nll < bestNll) {
                    bestNll = nll;
                    best = weight;
                }
            }
        }
        return best;
    }

    @SuppressWarnings("PMD.SystemPrintln")
    private static void print(String method, CalibrationReport r, double seconds, String fit) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %.4f | %.2f | %.2f | %.4f | %.2f | %.2f | %s |%n",
                method,
                r.nll(),
                100 * r.ece(),
                100 * r.mce(),
                r.brier(),
                100 * r.accuracy(),
                seconds,
                fit);
    }
}
