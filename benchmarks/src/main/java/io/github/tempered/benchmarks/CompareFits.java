package io.github.tempered.benchmarks;

import ai.djl.ndarray.NDManager;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import java.util.Locale;

/**
 * Prints the temperature that {@link TemperatureScaler} and the reference-style fit find on the
 * benchmark's synthetic data, so that RESULTS.md can state the accuracy next to the speed. Run with
 * {@code java -cp benchmarks/target/benchmarks.jar io.github.tempered.benchmarks.CompareFits}.
 */
public final class CompareFits {

    private CompareFits() {}

    /**
     * Runs the comparison.
     *
     * @param args unused
     */
    @SuppressWarnings("PMD.SystemPrintln")
    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            SyntheticLogits data = SyntheticLogits.generate(manager, 5_000, 100, 2f, 7);
            TemperatureFit fit = new TemperatureScaler().fit(data.logits, data.labels);
            double reference = ReferenceStyleFit.fit(data.logits, data.labels);
            System.out.printf(
                    Locale.ROOT,
                    "5000x100 synthetic: TemperatureScaler %s; reference-style (Adam, lr 0.01,"
                            + " 50 steps from T = 1.5) T = %.4f, %.1f%% off%n",
                    fit,
                    reference,
                    100 * Math.abs(reference - fit.temperature()) / fit.temperature());
        }
    }
}
