package io.github.tempered.loss;

import java.util.Map;

/**
 * Checks accumulator keys before a loss updates them: DJL's {@code Loss.updateAccumulators} throws
 * a bare {@link NullPointerException} for a key that {@code addAccumulator} never added, after
 * computing the loss and possibly updating the keys before it.
 */
final class AccumulatorKeys {

    private AccumulatorKeys() {}

    /**
     * Throws unless every key has an accumulator.
     *
     * @param instances the loss's per-key instance counts ({@code Evaluator.totalInstances})
     * @param keys the keys to update
     * @param lossName the loss's name, for the message
     * @throws IllegalArgumentException naming the first key without an accumulator
     */
    static void require(Map<String, Long> instances, String[] keys, String lossName) {
        if (keys == null) {
            throw new IllegalArgumentException("keys: must not be null");
        }
        for (String key : keys) {
            if (key == null || !instances.containsKey(key)) {
                throw new IllegalArgumentException(
                        "key: no accumulator named '"
                                + key
                                + "' was added to "
                                + lossName
                                + "; call addAccumulator(key) first");
            }
        }
    }
}
