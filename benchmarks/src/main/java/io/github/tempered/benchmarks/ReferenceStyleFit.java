package io.github.tempered.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;

/**
 * A fit in the style of the reference temperature-scaling code (Guo et al. 2017): a float32
 * temperature starting at 1.5, the cross-entropy of {@code logits / T} minimised by a first-order
 * optimiser with learning rate 0.01 for a fixed 50 steps, the gradient from autograd. The reference
 * uses LBFGS, which DJL lacks; Adam (implemented here for the scalar) stands in for it. Like the
 * reference, it stops after its step budget wherever it is.
 */
final class ReferenceStyleFit {

    private static final int STEPS = 50;
    private static final double LEARNING_RATE = 0.01;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private ReferenceStyleFit() {}

    /**
     * Runs the 50 Adam steps.
     *
     * @param logits float32 logits (N, C)
     * @param labels int64 labels (N)
     * @return the temperature after 50 steps
     */
    static double fit(NDArray logits, NDArray labels) {
        NDManager manager = logits.getManager();
        double t = 1.5;
        double m = 0;
        double v = 0;
        try (NDScope outer = new NDScope()) {
            outer.suppressNotUsedWarning();
            NDArray index = labels.reshape(-1, 1);
            for (int step = 1; step <= STEPS; step++) {
                double gradient;
                try (NDScope scope = new NDScope();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    scope.suppressNotUsedWarning();
                    NDArray temperature = manager.create(new float[] {(float) t});
                    temperature.setRequiresGradient(true);
                    NDArray loss =
                            logits.div(temperature).logSoftmax(1).gather(index, 1).mean().neg();
                    collector.backward(loss);
                    gradient = temperature.getGradient().getFloat();
                }
                m = BETA1 * m + (1 - BETA1) * gradient;
                v = BETA2 * v + (1 - BETA2) * gradient * gradient;
                double mHat = m / (1 - Math.pow(BETA1, step));
                double vHat = v / (1 - Math.pow(BETA2, step));
                t -= LEARNING_RATE * mHat / (Math.sqrt(vHat) + EPSILON);
            }
        }
        return t;
    }
}
