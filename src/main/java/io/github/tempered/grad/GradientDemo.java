package io.github.tempered.grad;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.github.tempered.loss.CrossEntropyLoss;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The autograd walkthrough of PyTorch's tutorials, in DJL: one example, a weight matrix, softmax,
 * cross-entropy, a backward pass, and the gradient checked two ways.
 *
 * <p>Steps: inputs {@code x} of shape (1, 3); a weight {@code W} of shape (3, 2) declared as a DJL
 * {@link Parameter}; logits {@code z = x W}; {@code p = softmax(z)}; the loss {@code L = -log p[1]}
 * from Tempered's {@link CrossEntropyLoss} with target class 1; {@code backward} through a {@link
 * GradientCollector}; then {@code W}'s gradient compared with the closed form {@code x^T (p -
 * onehot(1))} and with {@link GradCheck}'s finite differences.
 *
 * <p>This is library code, so it writes only to the {@link PrintStream} it is given: {@link
 * #main(String[])} (and the {@code tempered gradients} command) pass {@code System.out}, a test can
 * pass a buffer. {@link #run(PrintStream)} also returns the numbers as a {@link Report}.
 */
public final class GradientDemo {

    /** The inputs x, one example with three features. */
    private static final float[] INPUTS = {1.0f, -2.0f, 0.5f};

    /** The weight W, row-major (3, 2). */
    private static final float[] WEIGHT = {0.2f, -0.4f, 0.7f, 0.1f, -0.3f, 0.5f};

    /** The target class. */
    private static final int TARGET = 1;

    private GradientDemo() {}

    /**
     * Runs the walkthrough and prints it to standard output.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run(System.out);
    }

    /**
     * Runs the walkthrough, printing each step to {@code out}.
     *
     * @param out where the walkthrough is written
     * @return the numbers it printed
     */
    public static Report run(PrintStream out) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return run(out, manager);
        }
    }

    private static Report run(PrintStream out, NDManager manager) {
        out.println("== Gradients in DJL: softmax, cross-entropy and GradientCollector ==");
        out.println();

        NDArray x = manager.create(INPUTS, new Shape(1, 3));
        out.println("Step 1. Inputs x, shape " + x.getShape() + ": one example, three features.");
        out.println("  x = " + matrix(x));
        out.println();

        Parameter weight =
                Parameter.builder()
                        .setName("weight")
                        .setType(Parameter.Type.WEIGHT)
                        .optShape(new Shape(3, 2))
                        .optInitializer(
                                (m, shape, type) -> m.create(WEIGHT, shape).toType(type, false))
                        .build();
        weight.initialize(manager, DataType.FLOAT32);
        NDArray w = weight.getArray();
        out.println(
                "Step 2. Weight W, shape "
                        + w.getShape()
                        + ": a DJL Parameter, as a block declares it with addParameter.");
        out.println(
                "  Parameter.initialize(manager, FLOAT32) runs its initializer (fixed numbers here)");
        out.println("  and marks it as requiring a gradient, PyTorch's requires_grad=True.");
        out.println("  W = " + matrix(w));
        out.println();

        NDArray label = manager.create(new long[] {TARGET}, new Shape(1));
        CrossEntropyLoss loss = CrossEntropyLoss.builder().build();
        double lossValue;
        NDArray logits;
        NDArray probabilities;
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            logits = x.matMul(w);
            out.println(
                    "Step 3. Logits z = x @ W, shape "
                            + logits.getShape()
                            + ", computed inside a GradientCollector, which records the graph.");
            out.println("  z = " + matrix(logits));
            out.println();

            probabilities = logits.softmax(-1);
            out.println("Step 4. Probabilities p = softmax(z): positive, summing to 1.");
            out.println("  p = " + matrix(probabilities));
            out.println();

            NDArray l = loss.evaluate(new NDList(label), new NDList(logits));
            lossValue = l.getFloat();
            out.println(
                    "Step 5. Cross-entropy with target class "
                            + TARGET
                            + ", Tempered's CrossEntropyLoss (PyTorch's F.cross_entropy):");
            out.println(String.format(Locale.ROOT, "  L = -log p[%d] = %.7f", TARGET, lossValue));
            out.println();

            collector.backward(l);
        }
        NDArray autograd = w.getGradient();
        out.println("Step 6. collector.backward(L) fills W.getGradient() with dL/dW.");
        out.println(
                "  DJL adds to a gradient on every backward, even across collectors; W is fresh"
                        + " here, so it holds exactly this one backward.");
        out.println("  dL/dW (autograd) = " + matrix(autograd));
        out.println();

        NDArray onehot = manager.create(new float[] {0f, 1f}, new Shape(1, 2));
        NDArray analytic = x.transpose().matMul(probabilities.sub(onehot));
        double[] autogradValues = toDoubles(autograd);
        double[] analyticValues = toDoubles(analytic);
        double maxAbsDifference = 0;
        for (int i = 0; i < autogradValues.length; i++) {
            maxAbsDifference =
                    Math.max(maxAbsDifference, Math.abs(autogradValues[i] - analyticValues[i]));
        }
        out.println(
                "Step 7. The closed form: dL/dz = p - onehot(target), so dL/dW = x^T (p -"
                        + " onehot).");
        out.println("  dL/dW (analytic) = " + matrix(analytic));
        out.println(
                String.format(Locale.ROOT, "  max |autograd - analytic| = %.3e", maxAbsDifference));
        out.println();

        GradCheck.Result check =
                GradCheck.builder()
                        .build()
                        .check(
                                in ->
                                        loss.evaluate(
                                                new NDList(label),
                                                new NDList(in.get(0).matMul(in.get(1)))),
                                new NDList(x, w));
        out.println("Step 8. GradCheck: central finite differences in float64 against autograd,");
        out.println("  for x (input 0) and W (input 1).");
        out.println("  " + check);

        return new Report(
                lossValue,
                toDoubles(probabilities),
                autogradValues,
                analyticValues,
                maxAbsDifference,
                check);
    }

    private static double[] toDoubles(NDArray array) {
        try (NDArray wide = array.toType(DataType.FLOAT64, true)) {
            return wide.toDoubleArray();
        }
    }

    private static String matrix(NDArray array) {
        double[] values = toDoubles(array);
        long rows = array.getShape().get(0);
        int cols = Math.toIntExact(array.getShape().get(1));
        StringBuilder sb = new StringBuilder("[");
        for (int r = 0; r < rows; r++) {
            sb.append(r == 0 ? "[" : ", [");
            for (int c = 0; c < cols; c++) {
                if (c > 0) {
                    sb.append(", ");
                }
                sb.append(String.format(Locale.ROOT, "%.6f", values[r * cols + c]));
            }
            sb.append(']');
        }
        return sb.append(']').toString();
    }

    /**
     * The numbers the walkthrough printed.
     *
     * @param loss the cross-entropy {@code L}
     * @param probabilities {@code softmax(z)}, two entries
     * @param autogradGradient {@code dL/dW} from the {@link GradientCollector}, row-major (3, 2)
     * @param analyticGradient {@code x^T (p - onehot)}, row-major (3, 2)
     * @param maxAbsDifference the largest {@code |autograd - analytic|}
     * @param gradCheck {@link GradCheck}'s result for {@code x} and {@code W}
     */
    public record Report(
            double loss,
            double[] probabilities,
            double[] autogradGradient,
            double[] analyticGradient,
            double maxAbsDifference,
            GradCheck.Result gradCheck) {

        /**
         * Returns whether the autograd and analytic gradients agree to a tolerance.
         *
         * @param tolerance the largest allowed absolute difference
         * @return {@code true} if every element agrees
         */
        public boolean gradientsAgree(double tolerance) {
            return maxAbsDifference <= tolerance;
        }
    }
}
