package io.github.tempered.spark;

import java.util.function.Supplier;

/**
 * Runs Spark jobs so that bad data fails them with the {@link IllegalArgumentException} an executor
 * threw: Spark reports a failed task as a {@code SparkException} whose cause is the task's
 * exception; the driver rethrows an {@code IllegalArgumentException} with that message (and the
 * {@code SparkException} as its cause).
 */
final class Jobs {

    private Jobs() {}

    /**
     * Runs {@code job}.
     *
     * @param job the actions to run
     * @param <T> the result type
     * @return the result
     * @throws IllegalArgumentException if a task failed with one (checked on the executors)
     */
    static <T> T run(Supplier<T> job) {
        try {
            return job.get();
        } catch (Exception e) { // Spark's SparkException is checked but not declared
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                if (cause instanceof IllegalArgumentException) {
                    throw new IllegalArgumentException(cause.getMessage(), e);
                }
            }
            throw Jobs.<RuntimeException>rethrow(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Exception> E rethrow(Exception e) throws E {
        throw (E) e;
    }
}
