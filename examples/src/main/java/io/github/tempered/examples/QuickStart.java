package io.github.tempered.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.loss.CrossEntropyLoss;

/**
 * Quick start: Tempered's PyTorch-exact cross-entropy and a calibration report, in ten lines.
 *
 * <p>Shows {@link CrossEntropyLoss} with label smoothing and a temperature on a batch of logits,
 * then {@link CalibrationReport} (accuracy, ECE, NLL, ...) of the same logits.
 *
 * <p>Run from the project folder:
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.github.tempered.examples.QuickStart
 * </pre>
 */
public final class QuickStart {

    private QuickStart() {}

    /**
     * Runs the example.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits =
                    manager.create(
                            new float[] {2.0f, 1.0f, 0.1f, 0.5f, 2.5f, -1.0f, -0.3f, 0.2f, 0.9f},
                            new Shape(3, 3));
            NDArray labels = manager.create(new long[] {0, 1, 1});
            CrossEntropyLoss loss =
                    CrossEntropyLoss.builder().optLabelSmoothing(0.1f).optTemperature(2f).build();
            NDArray value = loss.evaluate(new NDList(labels), new NDList(logits));
            System.out.println("cross-entropy (T = 2, smoothing 0.1): " + value.getFloat());
            System.out.print(CalibrationReport.ofLogits(logits, labels, 10));
        }
    }
}
