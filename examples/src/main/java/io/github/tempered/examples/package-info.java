/**
 * Runnable examples of Tempered: each class has a {@code main}, a header saying what it shows and
 * the one command that runs it. They are compiled with the tests and run by {@code ExamplesTest}.
 */
package io.github.tempered.examples;
