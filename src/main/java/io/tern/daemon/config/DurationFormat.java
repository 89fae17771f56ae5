package io.tern.daemon.config;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads durations written as {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 1d} or a
 * sum such as {@code 1m30s}. A bare number is taken in the unit the key is documented in (seconds
 * for Wings-style YAML keys, milliseconds for {@code perf/} profile keys). Stateless.
 */
public final class DurationFormat
{
    private static final Pattern WHOLE = Pattern.compile("(?:[0-9]+(?:ms|s|m|h|d))+");
    private static final Pattern PART = Pattern.compile("([0-9]+)(ms|s|m|h|d)");
    private static final Pattern BARE = Pattern.compile("[0-9]+");

    private DurationFormat()
    {
    }

    /**
     * Parses a duration.
     *
     * @param text     the text, surrounding whitespace ignored.
     * @param bareUnit the unit of a number written without one.
     * @return the duration in milliseconds, never negative.
     * @throws IllegalArgumentException if the text is not a duration or does not fit in a long;
     *                                  the message is a phrase to follow a key name.
     */
    public static long parseMillis(final String text, final TimeUnit bareUnit)
    {
        final String trimmed = text.trim();
        try
        {
            if (BARE.matcher(trimmed).matches())
            {
                return toMillis(Long.parseLong(trimmed), bareUnit);
            }
            if (WHOLE.matcher(trimmed).matches())
            {
                long total = 0;
                final Matcher part = PART.matcher(trimmed);
                while (part.find())
                {
                    total = Math.addExact(total, toMillis(Long.parseLong(part.group(1)), unit(part.group(2))));
                }
                return total;
            }
        }
        catch (final ArithmeticException | NumberFormatException ex)
        {
            throw new IllegalArgumentException("is too long a duration: \"" + trimmed + "\"");
        }
        throw new IllegalArgumentException(
            "must be a duration such as 500ms, 30s or 10m, not \"" + trimmed + "\"");
    }

    /**
     * Converts a whole number of {@code unit} to milliseconds.
     *
     * @param amount a non-negative amount.
     * @param unit   its unit.
     * @return milliseconds.
     * @throws ArithmeticException if the result does not fit in a long.
     */
    public static long toMillis(final long amount, final TimeUnit unit)
    {
        if (unit == TimeUnit.MILLISECONDS)
        {
            return amount;
        }
        final long perUnit = unit.toMillis(1);
        return Math.multiplyExact(amount, perUnit);
    }

    /**
     * Formats milliseconds in the largest unit that divides them, e.g. {@code 30s}, {@code 10m}.
     *
     * @param millis a non-negative duration.
     * @return the text, parseable by {@link #parseMillis(String, TimeUnit)}.
     */
    public static String format(final long millis)
    {
        if (millis != 0 && millis % 86_400_000L == 0)
        {
            return millis / 86_400_000L + "d";
        }
        if (millis != 0 && millis % 3_600_000L == 0)
        {
            return millis / 3_600_000L + "h";
        }
        if (millis != 0 && millis % 60_000L == 0)
        {
            return millis / 60_000L + "m";
        }
        if (millis != 0 && millis % 1_000L == 0)
        {
            return millis / 1_000L + "s";
        }
        return millis + "ms";
    }

    private static TimeUnit unit(final String suffix)
    {
        switch (suffix)
        {
            case "ms":
                return TimeUnit.MILLISECONDS;
            case "s":
                return TimeUnit.SECONDS;
            case "m":
                return TimeUnit.MINUTES;
            case "h":
                return TimeUnit.HOURS;
            default:
                return TimeUnit.DAYS;
        }
    }
}
