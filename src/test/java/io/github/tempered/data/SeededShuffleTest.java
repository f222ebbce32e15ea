package io.github.tempered.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.ArrayDataset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import org.testng.annotations.Test;

/** {@link SeededShuffle}: permutations that depend only on the seed. */
public class SeededShuffleTest {

    @Test
    public void epochsArePermutationsThatDependOnlyOnTheSeed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ArrayDataset data =
                    new ArrayDataset.Builder()
                            .setData(manager.arange(50f))
                            .setSampling(10, false)
                            .build();
            SeededShuffle a = new SeededShuffle(3);
            SeededShuffle b = new SeededShuffle(3);
            List<Long> first = drain(a.sample(data));
            assertEquals(first, drain(b.sample(data)), "same seed, same first epoch");
            assertEquals(new TreeSet<>(first).size(), 50, "a permutation of all 50 indices");
            List<Long> second = drain(a.sample(data));
            assertNotEquals(second, first, "the next epoch is shuffled anew");
            assertEquals(second, drain(b.sample(data)), "same seed, same second epoch");
            assertNotEquals(drain(new SeededShuffle(4).sample(data)), first, "another seed");
        }
    }

    private static List<Long> drain(Iterator<Long> it) {
        List<Long> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
