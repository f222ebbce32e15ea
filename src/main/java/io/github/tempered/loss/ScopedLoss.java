package io.github.tempered.loss;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.training.loss.Loss;

/**
 * The resource discipline Tempered's losses share: {@code evaluate} runs its computation through
 * {@code io.github.tempered.internal.Scopes.keepResult}, and accumulator updates close what DJL's
 * {@code Loss} would leave behind and check their keys first.
 */
abstract class ScopedLoss extends Loss {

    /**
     * Creates a loss.
     *
     * @param name the loss name
     */
    ScopedLoss(String name) {
        super(name);
    }

    /**
     * Adds this batch's summed loss to the accumulators, closing the arrays it creates (DJL's
     * {@code Loss} leaves them attached to the batch's manager).
     *
     * @param keys the accumulator keys to update, each added with {@code addAccumulator}
     * @param labels the targets
     * @param predictions the predictions
     * @throws IllegalArgumentException naming the first key without an accumulator (DJL's {@code
     *     Loss} would throw a bare {@code NullPointerException} after computing the loss)
     */
    @Override
    public void updateAccumulators(String[] keys, NDList labels, NDList predictions) {
        if (keys == null) {
            throw new IllegalArgumentException("keys: must not be null");
        }
        for (String key : keys) {
            if (key == null || !totalInstances.containsKey(key)) {
                throw new IllegalArgumentException(
                        "key: no accumulator named '"
                                + key
                                + "' was added to "
                                + getName()
                                + "; call addAccumulator(key) first");
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            super.updateAccumulators(keys, labels, predictions);
        }
    }
}
