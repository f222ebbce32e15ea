package io.github.tempered.testing;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import ai.djl.ndarray.NDManager;

/**
 * One row of a bad-input matrix: an invalid call to a public entry point, the exact exception type
 * it must throw and a fragment its message must contain.
 *
 * <p>Each row runs in its own sub-manager, so what it creates is closed afterwards; a row that
 * would crash the engine would take the test JVM down, which is what the matrix guards against.
 *
 * @param name the case, printed by TestNG and in every failure
 * @param call the call
 * @param type the exact exception type expected (not a subclass)
 * @param fragment a fragment the message must contain
 */
public record BadInput(String name, Call call, Class<? extends Throwable> type, String fragment) {

    /** An invalid call, given a manager for its arrays. */
    @FunctionalInterface
    public interface Call {
        /**
         * Makes the call.
         *
         * @param manager a manager for the call's arrays, closed after the call
         * @throws Exception whatever the entry point throws
         */
        void run(NDManager manager) throws Exception;
    }

    /**
     * Creates a row expecting an {@link IllegalArgumentException}.
     *
     * @param name the case
     * @param fragment the message fragment
     * @param call the call
     * @return the row
     */
    public static BadInput iae(String name, String fragment, Call call) {
        return new BadInput(name, call, IllegalArgumentException.class, fragment);
    }

    /**
     * Turns rows into a TestNG data provider's array, one row per case.
     *
     * @param rows the rows
     * @return the provider's rows
     */
    public static Object[][] rows(BadInput... rows) {
        Object[][] out = new Object[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = new Object[] {rows[i]};
        }
        return out;
    }

    /**
     * Runs the call in a sub-manager of {@code parent} and checks the exception: its exact type,
     * the fragment, and no text of the native layer (PyTorch's "Exception raised from", {@code
     * c10::}) in the message.
     *
     * @param parent the manager whose sub-manager the call gets
     */
    public void assertRejected(NDManager parent) {
        Throwable thrown = null;
        try (NDManager manager = parent.newSubManager()) {
            call.run(manager);
        } catch (Throwable t) {
            thrown = t;
        }
        if (thrown == null) {
            fail(name + ": expected " + type.getSimpleName() + " containing '" + fragment + "'");
        }
        assertEquals(
                thrown.getClass(),
                type,
                name + ": exception type, message '" + thrown.getMessage() + "'");
        String message = String.valueOf(thrown.getMessage());
        assertTrue(
                message.contains(fragment),
                name + ": message '" + message + "' lacks '" + fragment + "'");
        assertFalse(
                message.contains("Exception raised from") || message.contains("c10::"),
                name + ": native error text in '" + message + "'");
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return name;
    }
}
