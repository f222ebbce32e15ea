package io.github.tempered.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/** Runs a computation so that only its result outlives it. */
public final class Scopes {

    private Scopes() {}

    /**
     * Runs {@code computation} in an {@link NDScope} that closes every intermediate array it
     * creates; the result survives, attached to its manager and registered with the caller's own
     * scope, if any.
     *
     * @param computation builds the result
     * @return the result
     */
    public static NDArray keepResult(Supplier<NDArray> computation) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            result = computation.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }
}
