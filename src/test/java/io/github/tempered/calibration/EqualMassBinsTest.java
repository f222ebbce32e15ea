package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import org.testng.annotations.Test;

/**
 * {@link EqualMassBins}: bin sizes as NumPy's {@code array_split}, order keys that sort as
 * (confidence, correct), merging, and bad arguments.
 */
public class EqualMassBinsTest {

    @Test
    public void ranksFillBinsAsArraySplit() {
        // 7 samples in 3 bins: sizes 3, 2, 2. All confidence 1 and correct except the noted.
        EqualMassBins bins = new EqualMassBins(3, 7);
        double[] confidences = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7};
        for (int rank = 0; rank < 7; rank++) {
            bins.add(rank, EqualMassBins.key(confidences[rank], rank % 2 == 0));
        }
        // Even ranks are correct. Bins: ranks 0-2 (0.6 vs 2 correct), 3-4 (0.9 vs 1), 5-6 (1.3 vs
        // 1).
        double expected = (Math.abs(0.1 + 0.2 + 0.3 - 2) + Math.abs(0.4 + 0.5 - 1) + 0.3) / 7;
        assertEquals(bins.ece(), expected, 1e-15);
        // Fewer samples than bins: one per bin, the rest empty.
        EqualMassBins sparse = new EqualMassBins(15, 2);
        sparse.add(0, EqualMassBins.key(0.9, false));
        sparse.add(1, EqualMassBins.key(0.8, true));
        assertEquals(sparse.ece(), (0.9 + 0.2) / 2, 1e-15);
    }

    @Test
    public void keysSortByConfidenceThenWrongFirst() {
        long[] keys = {
            EqualMassBins.key(0, false),
            EqualMassBins.key(0.5, false),
            EqualMassBins.key(0.5, true),
            EqualMassBins.key(Math.nextUp(0.5), false),
            EqualMassBins.key(1, true),
            EqualMassBins.key(1.0005, false)
        };
        for (int i = 1; i < keys.length; i++) {
            assertTrue(keys[i - 1] < keys[i], "key " + (i - 1) + " < key " + i);
        }
    }

    @Test
    public void mergedPartsEqualTheWhole() {
        EqualMassBins whole = new EqualMassBins(4, 10);
        EqualMassBins low = new EqualMassBins(4, 10);
        EqualMassBins high = new EqualMassBins(4, 10);
        for (int rank = 0; rank < 10; rank++) {
            long key = EqualMassBins.key(0.5 + rank / 20.0, rank % 3 == 0);
            whole.add(rank, key);
            (rank < 6 ? low : high).add(rank, key);
        }
        assertEquals(low.merge(high).ece(), whole.ece(), 1e-15);
    }

    @Test
    public void badArgumentsAreRejected() {
        expectThrows(IllegalArgumentException.class, () -> new EqualMassBins(0, 5));
        expectThrows(IllegalArgumentException.class, () -> new EqualMassBins(3, 0));
        EqualMassBins bins = new EqualMassBins(3, 5);
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> bins.add(5, 0));
        assertTrue(e.getMessage().contains("rank: must be in [0, 5), got 5"), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> bins.merge(new EqualMassBins(3, 6)));
        assertTrue(e.getMessage().contains("6 samples"), e.getMessage());
        expectThrows(IllegalArgumentException.class, () -> bins.merge(null));
    }
}
