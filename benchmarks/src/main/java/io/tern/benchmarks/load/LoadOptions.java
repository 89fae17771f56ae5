package io.tern.benchmarks.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --name value} / {@code --name=value} / {@code --flag} command-line parsing shared by
 * {@link LoadGenerator} and {@link LoadConfig}, with durations written {@code 30s}, {@code 500ms},
 * {@code 2m} (a bare number is seconds).
 */
final class LoadOptions
{
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private final Map<String, String> values = new LinkedHashMap<>();

    private LoadOptions()
    {
    }

    /**
     * @param args    the arguments.
     * @param flags   names (without {@code --}) that take no value.
     * @param options names that take a value.
     * @return the parsed options.
     * @throws IllegalArgumentException naming an unknown option or a missing value.
     */
    static LoadOptions parse(final String[] args, final List<String> flags, final List<String> options)
    {
        final LoadOptions parsed = new LoadOptions();
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (!arg.startsWith("--"))
            {
                throw new IllegalArgumentException("unexpected argument " + arg + " (options start with --; --help lists them)");
            }
            final int equals = arg.indexOf('=');
            final String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
            if (flags.contains(name))
            {
                if (equals >= 0)
                {
                    throw new IllegalArgumentException("--" + name + " takes no value");
                }
                parsed.values.put(name, "true");
            }
            else if (options.contains(name))
            {
                if (equals >= 0)
                {
                    parsed.values.put(name, arg.substring(equals + 1));
                }
                else if (i + 1 < args.length)
                {
                    parsed.values.put(name, args[++i]);
                }
                else
                {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
            }
            else
            {
                throw new IllegalArgumentException("unknown option --" + name + " (--help lists them)");
            }
        }
        return parsed;
    }

    boolean has(final String name)
    {
        return values.containsKey(name);
    }

    String string(final String name, final String defaultValue)
    {
        return values.getOrDefault(name, defaultValue);
    }

    int integer(final String name, final int defaultValue)
    {
        final String value = values.get(name);
        if (value == null)
        {
            return defaultValue;
        }
        try
        {
            return Integer.parseInt(value.replace("_", ""));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--" + name + " must be a whole number, not " + value);
        }
    }

    double number(final String name, final double defaultValue)
    {
        final String value = values.get(name);
        if (value == null)
        {
            return defaultValue;
        }
        try
        {
            return Double.parseDouble(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--" + name + " must be a number, not " + value);
        }
    }

    long millis(final String name, final long defaultMillis)
    {
        final String value = values.get(name);
        return value == null ? defaultMillis : parseMillis("--" + name, value);
    }

    List<String> list(final String name)
    {
        final List<String> list = new ArrayList<>();
        final String value = values.get(name);
        if (value != null)
        {
            for (final String item : value.split(","))
            {
                if (!item.isBlank())
                {
                    list.add(item.trim());
                }
            }
        }
        return list;
    }

    static long parseMillis(final String what, final String text)
    {
        final String value = text.trim().toLowerCase(Locale.ROOT);
        final Matcher matcher = DURATION.matcher(value);
        long total = 0;
        int end = 0;
        while (matcher.find() && matcher.start() == end)
        {
            final long amount = Long.parseLong(matcher.group(1));
            final String unit = matcher.group(2) == null ? "s" : matcher.group(2);
            total += switch (unit)
            {
                case "ms" -> amount;
                case "m" -> amount * 60_000;
                case "h" -> amount * 3_600_000;
                default -> amount * 1000;
            };
            end = matcher.end();
        }
        if (end != value.length() || value.isEmpty())
        {
            throw new IllegalArgumentException(what + " must be a duration such as 30s, 500ms or 2m, not " + text);
        }
        return total;
    }
}
