package io.github.tempered.data;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Random;

/**
 * A uniform shuffle per epoch from a seeded {@link Random}: the sequence of epochs depends only on
 * the seed. (DJL's {@code RandomSampler} draws from its global {@code RandomUtils}.) Use it inside
 * a {@link ai.djl.training.dataset.BatchSampler} for any {@code RandomAccessDataset}.
 */
public final class SeededShuffle implements Sampler.SubSampler {

    private final Random random;

    /**
     * Creates a shuffle whose epochs depend only on {@code seed}.
     *
     * @param seed the seed
     */
    public SeededShuffle(long seed) {
        random = new Random(seed);
    }

    /** {@inheritDoc} */
    @Override
    public synchronized Iterator<Long> sample(RandomAccessDataset dataset) {
        int n = Math.toIntExact(dataset.size());
        long[] indices = new long[n];
        for (int i = 0; i < n; i++) {
            indices[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = indices[i];
            indices[i] = indices[j];
            indices[j] = t;
        }
        return Arrays.stream(indices).iterator();
    }
}
