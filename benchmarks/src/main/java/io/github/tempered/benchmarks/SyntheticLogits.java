package io.github.tempered.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Synthetic classifier outputs with a known calibration: class scores {@code z ~ N(0, 2^2)}, each
 * label drawn from {@code softmax(z)} (Gumbel-max sampling on the engine), logits {@code z *
 * tTrue}. The optimal temperature of the logits is then close to {@code tTrue}.
 */
final class SyntheticLogits {

    final NDArray logits;
    final NDArray labels;

    private SyntheticLogits(NDArray logits, NDArray labels) {
        this.logits = logits;
        this.labels = labels;
    }

    /**
     * Generates float32 logits and int64 labels on {@code manager}.
     *
     * @param manager the manager that owns the arrays
     * @param rows the number of rows N
     * @param classes the number of classes C
     * @param tTrue the temperature the logits are over-confident by
     * @param seed the engine's random seed
     * @return the data
     */
    static SyntheticLogits generate(
            NDManager manager, int rows, int classes, float tTrue, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        NDManager scratch = manager.newSubManager();
        try (scratch) {
            NDArray z = scratch.randomNormal(0, 2, new Shape(rows, classes), DataType.FLOAT32);
            NDArray uniform =
                    scratch.randomUniform(1e-7f, 1f, new Shape(rows, classes), DataType.FLOAT32);
            NDArray gumbel = uniform.log().neg().log().neg();
            NDArray labels = z.add(gumbel).argMax(1).toType(DataType.INT64, false);
            NDArray logits = z.mul(tTrue);
            labels.attach(manager);
            logits.attach(manager);
            return new SyntheticLogits(logits, labels);
        }
    }

    /**
     * Parses a shape such as {@code "5000x100"}.
     *
     * @param shape rows, {@code x}, classes
     * @return {rows, classes}
     */
    static int[] parse(String shape) {
        String[] parts = shape.split("x");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }
}
