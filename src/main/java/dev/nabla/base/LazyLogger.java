package dev.nabla.base;

import java.util.ResourceBundle;

/**
 * A {@link System.Logger} that asks {@link System#getLogger} for the real one on first use. The first
 * {@code System.getLogger} starts the logging system (a service lookup over the class path and
 * {@code java.util.logging}'s configuration: 10-45 ms in a cold JVM), which a program that never logs should not pay
 * at start-up. A static field of this type costs nothing until something is logged or a level is queried.
 *
 * <p>It implements {@code System.Logger}, so the JDK's caller inference skips its frames and a record names the class
 * that logged, as with the real logger.
 */
public final class LazyLogger implements System.Logger {
    private final String name;
    private volatile System.Logger delegate;

    private LazyLogger(String name) {
        this.name = name;
    }

    /** A logger named after {@code owner}, as {@code System.getLogger(owner.getName())} would be. */
    public static System.Logger of(Class<?> owner) {
        return new LazyLogger(owner.getName());
    }

    private System.Logger delegate() {
        System.Logger d = delegate;
        if (d == null) { // a race looks the logger up twice; System.getLogger gives equivalent loggers for one name
            d = System.getLogger(name);
            delegate = d;
        }
        return d;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isLoggable(Level level) {
        return delegate().isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
        delegate().log(level, bundle, message, thrown);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        delegate().log(level, bundle, format, params);
    }
}
