package io.tern.daemon.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads byte counts written as {@code 16384}, {@code 64KiB} or {@code 1MiB} in profile files.
 * Stateless.
 */
final class ByteSizeFormat
{
    private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*(KiB|MiB)?");

    private ByteSizeFormat()
    {
    }

    /**
     * @param text the text, surrounding whitespace ignored.
     * @return the number of bytes.
     * @throws IllegalArgumentException if the text is not a size or does not fit in a long; the
     *                                  message is a phrase to follow a key name.
     */
    static long parse(final String text)
    {
        final String trimmed = text.trim();
        final Matcher matcher = SIZE.matcher(trimmed);
        if (!matcher.matches())
        {
            throw new IllegalArgumentException(
                "must be a byte count such as 16384, 64KiB or 1MiB, not \"" + trimmed + "\"");
        }
        try
        {
            final long amount = Long.parseLong(matcher.group(1));
            final String unit = matcher.group(2);
            if (unit == null)
            {
                return amount;
            }
            return Math.multiplyExact(amount, "KiB".equals(unit) ? 1024L : 1024L * 1024L);
        }
        catch (final ArithmeticException | NumberFormatException ex)
        {
            throw new IllegalArgumentException("is too large: \"" + trimmed + "\"");
        }
    }

    /**
     * Formats bytes as {@code 64KiB}, {@code 1MiB} when exact, else as a plain number.
     *
     * @param bytes a non-negative count.
     * @return the text, parseable by {@link #parse(String)}.
     */
    static String format(final long bytes)
    {
        if (bytes != 0 && bytes % (1024L * 1024L) == 0)
        {
            return bytes / (1024L * 1024L) + "MiB";
        }
        if (bytes != 0 && bytes % 1024L == 0)
        {
            return bytes / 1024L + "KiB";
        }
        return Long.toString(bytes);
    }
}
