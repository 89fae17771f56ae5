package io.tern.daemon.process;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Decides whether a console line says the server finished starting (PROTOCOL.md §6.3): the line
 * contains one of the configured done strings, or, for an entry written {@code regex:<pattern>},
 * the pattern is found in it.
 *
 * <p>Immutable and thread-safe. Literal strings are matched on the line's bytes without
 * allocating; only regex entries decode the line to a String, and lines are only checked while
 * the server is {@code starting}.
 */
public final class DoneDetector
{
    /** The prefix that makes a done entry a regular expression. */
    public static final String REGEX_PREFIX = "regex:";

    private final byte[][] literals;
    private final Pattern[] patterns;

    /**
     * @param done the configured done strings; {@code null} or empty means "running as soon as started".
     * @throws IllegalArgumentException when a {@code regex:} entry is not a valid regular expression.
     */
    public DoneDetector(final List<String> done)
    {
        final List<byte[]> literalList = new ArrayList<>();
        final List<Pattern> patternList = new ArrayList<>();
        if (done != null)
        {
            for (final String entry : done)
            {
                if (entry.startsWith(REGEX_PREFIX))
                {
                    final String regex = entry.substring(REGEX_PREFIX.length());
                    try
                    {
                        patternList.add(Pattern.compile(regex));
                    }
                    catch (final PatternSyntaxException ex)
                    {
                        throw new IllegalArgumentException(
                            "done string '" + entry + "' is not a valid regular expression: " + ex.getDescription(), ex);
                    }
                }
                else
                {
                    literalList.add(entry.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        this.literals = literalList.toArray(new byte[0][]);
        this.patterns = patternList.toArray(new Pattern[0]);
    }

    /**
     * @return true when no done strings are configured, i.e. the server is running once spawned.
     */
    public boolean isEmpty()
    {
        return literals.length == 0 && patterns.length == 0;
    }

    /**
     * @param line   the line's UTF-8 bytes.
     * @param offset start of the line.
     * @param length length of the line.
     * @return true when the line contains a literal done string or a regex entry is found in it.
     */
    public boolean matches(final byte[] line, final int offset, final int length)
    {
        for (final byte[] literal : literals)
        {
            if (contains(line, offset, length, literal))
            {
                return true;
            }
        }
        if (patterns.length > 0)
        {
            final String text = new String(line, offset, length, StandardCharsets.UTF_8);
            for (final Pattern pattern : patterns)
            {
                if (pattern.matcher(text).find())
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean contains(final byte[] haystack, final int offset, final int length, final byte[] needle)
    {
        final int last = offset + length - needle.length;
        outer:
        for (int i = offset; i <= last; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (haystack[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
