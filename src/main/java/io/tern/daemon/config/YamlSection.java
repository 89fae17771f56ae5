package io.tern.daemon.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One mapping of the YAML config with typed, validating getters. Every getter names the full key
 * ({@code servers[1].stop.type}) and the file in its {@link ConfigException}. Keys that no getter
 * asked for are reported by {@link #collectUnknownKeys(List)}. Used by one thread while loading.
 */
final class YamlSection
{
    private static final int MAX_SHOWN_CHARS = 60;

    private final String file;
    private final String path;
    private final Map<?, ?> values;
    private final Set<String> read = new HashSet<>();
    private final List<YamlSection> children = new ArrayList<>();

    YamlSection(final String file, final String path, final Map<?, ?> values)
    {
        this.file = file;
        this.path = path;
        this.values = values;
    }

    /**
     * @param name a key of this mapping.
     * @return its full dotted name, e.g. {@code servers[0].stop.type}.
     */
    String key(final String name)
    {
        return path.isEmpty() ? name : path + "." + name;
    }

    /**
     * @param name   a key of this mapping.
     * @param detail what is wrong with its value.
     * @return an exception naming the file and the full key.
     */
    ConfigException error(final String name, final String detail)
    {
        return new ConfigException(file, key(name) + " " + detail);
    }

    /**
     * @param name a key of this mapping.
     * @return whether the key is present with a non-null value.
     */
    boolean has(final String name)
    {
        return value(name) != null;
    }

    String string(final String name, final String defaultValue) throws ConfigException
    {
        final Object value = value(name);
        if (value == null)
        {
            return defaultValue;
        }
        if (!(value instanceof String))
        {
            throw error(name, "must be a string, not " + describe(value));
        }
        return (String)value;
    }

    /**
     * A required string that is not blank. When {@code secret} is set the value is never quoted in
     * an error message.
     */
    String requiredString(final String name, final boolean secret) throws ConfigException
    {
        final Object value = value(name);
        if (value == null)
        {
            throw error(name, "is required");
        }
        if (!(value instanceof String))
        {
            throw error(name, "must be a string, not " + (secret ? kind(value) : describe(value)));
        }
        final String text = (String)value;
        if (text.isBlank())
        {
            throw error(name, "must not be empty");
        }
        return text;
    }

    long integer(final String name, final long defaultValue, final long min, final long max) throws ConfigException
    {
        final Object value = value(name);
        if (value == null)
        {
            return defaultValue;
        }
        if (value instanceof BigInteger)
        {
            throw error(name, "must be at most " + max + ", not " + value);
        }
        if (!(value instanceof Integer || value instanceof Long))
        {
            throw error(name, "must be a whole number, not " + describe(value));
        }
        final long number = ((Number)value).longValue();
        if (number < min)
        {
            throw error(name, "must be at least " + min + ", not " + number);
        }
        if (number > max)
        {
            throw error(name, "must be at most " + max + ", not " + number);
        }
        return number;
    }

    boolean bool(final String name, final boolean defaultValue) throws ConfigException
    {
        final Boolean value = optionalBool(name);
        return value == null ? defaultValue : value;
    }

    /**
     * @return the boolean, or null when the key is absent.
     */
    Boolean optionalBool(final String name) throws ConfigException
    {
        final Object value = value(name);
        if (value == null)
        {
            return null;
        }
        if (!(value instanceof Boolean))
        {
            throw error(name, "must be true or false, not " + describe(value));
        }
        return (Boolean)value;
    }

    /**
     * A duration given as a whole number of {@code bareUnit} or as text like {@code 30s}.
     *
     * @return milliseconds.
     */
    long durationMillis(final String name, final long defaultMillis, final TimeUnit bareUnit, final long minMillis)
        throws ConfigException
    {
        final Object value = value(name);
        if (value == null)
        {
            return defaultMillis;
        }
        final long millis;
        if (value instanceof Integer || value instanceof Long)
        {
            final long amount = ((Number)value).longValue();
            if (amount < 0)
            {
                throw error(name, "must not be negative, not " + amount);
            }
            try
            {
                millis = DurationFormat.toMillis(amount, bareUnit);
            }
            catch (final ArithmeticException ex)
            {
                throw error(name, "is too long a duration: " + amount);
            }
        }
        else if (value instanceof String)
        {
            try
            {
                millis = DurationFormat.parseMillis((String)value, bareUnit);
            }
            catch (final IllegalArgumentException ex)
            {
                throw error(name, ex.getMessage());
            }
        }
        else
        {
            throw error(name, "must be a duration such as 500ms, 30s or 10m, not " + describe(value));
        }
        if (millis < minMillis)
        {
            throw error(name, "must be at least " + DurationFormat.format(minMillis) + ", not " + DurationFormat.format(millis));
        }
        return millis;
    }

    /**
     * A list of strings; with {@code singleAllowed} a lone string is read as a list of one.
     *
     * @return an unmodifiable list, empty when the key is absent.
     */
    List<String> stringList(final String name, final boolean singleAllowed) throws ConfigException
    {
        final Object value = value(name);
        if (value == null)
        {
            return List.of();
        }
        if (singleAllowed && value instanceof String)
        {
            return List.of((String)value);
        }
        if (!(value instanceof List))
        {
            throw error(name, "must be a list of strings, not " + describe(value));
        }
        final List<?> items = (List<?>)value;
        final List<String> strings = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++)
        {
            final Object item = items.get(i);
            if (!(item instanceof String))
            {
                throw error(name + "[" + i + "]", "must be a string, not " + describe(item));
            }
            strings.add((String)item);
        }
        return Collections.unmodifiableList(strings);
    }

    /**
     * A mapping of names to scalar values; numbers and booleans are kept as their text, a null
     * value becomes the empty string.
     *
     * @return an unmodifiable map in file order, empty when the key is absent.
     */
    Map<String, String> stringMap(final String name) throws ConfigException
    {
        final Object value = value(name);
        if (value == null)
        {
            return Map.of();
        }
        if (!(value instanceof Map))
        {
            throw error(name, "must be a mapping of names to values, not " + describe(value));
        }
        final Map<String, String> strings = new LinkedHashMap<>();
        for (final Map.Entry<?, ?> entry : ((Map<?, ?>)value).entrySet())
        {
            final String entryName = String.valueOf(entry.getKey());
            final Object entryValue = entry.getValue();
            if (entryValue instanceof Map || entryValue instanceof List)
            {
                throw error(name + "." + entryName, "must be a single value, not " + describe(entryValue));
            }
            strings.put(entryName, entryValue == null ? "" : String.valueOf(entryValue));
        }
        return Collections.unmodifiableMap(strings);
    }

    /**
     * @return the nested mapping (an empty one when the key is absent), tracked for unknown keys.
     */
    YamlSection section(final String name) throws ConfigException
    {
        final Object value = value(name);
        if (value != null && !(value instanceof Map))
        {
            throw error(name, "must be a mapping of keys, not " + describe(value));
        }
        final YamlSection child = new YamlSection(file, key(name), value == null ? Map.of() : (Map<?, ?>)value);
        children.add(child);
        return child;
    }

    /**
     * @return the mappings of a list of mappings (empty when the key is absent), each tracked for
     *         unknown keys and named {@code name[i]}.
     */
    List<YamlSection> sections(final String name) throws ConfigException
    {
        final Object value = value(name);
        if (value == null)
        {
            return List.of();
        }
        if (!(value instanceof List))
        {
            throw error(name, "must be a list, not " + describe(value));
        }
        final List<?> items = (List<?>)value;
        final List<YamlSection> sections = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++)
        {
            final Object item = items.get(i);
            if (!(item instanceof Map))
            {
                throw error(name + "[" + i + "]", "must be a mapping of keys, not " + describe(item));
            }
            final YamlSection child = new YamlSection(file, key(name) + "[" + i + "]", (Map<?, ?>)item);
            children.add(child);
            sections.add(child);
        }
        return sections;
    }

    /**
     * Adds the full names of keys, in this mapping and the sections read from it, that no getter
     * asked for.
     */
    void collectUnknownKeys(final List<String> unknown)
    {
        for (final Object name : values.keySet())
        {
            final String text = String.valueOf(name);
            if (!(name instanceof String) || !read.contains(text))
            {
                unknown.add(key(text));
            }
        }
        for (final YamlSection child : children)
        {
            child.collectUnknownKeys(unknown);
        }
    }

    /**
     * @return the value as quoted in an error message, e.g. {@code "abc"}, {@code 12}, {@code a list}.
     */
    static String describe(final Object value)
    {
        if (value instanceof String)
        {
            final String text = (String)value;
            final String shown = text.length() > MAX_SHOWN_CHARS ? text.substring(0, MAX_SHOWN_CHARS) + "…" : text;
            return "\"" + shown + "\"";
        }
        if (value instanceof Number || value instanceof Boolean)
        {
            return String.valueOf(value);
        }
        return kind(value);
    }

    private static String kind(final Object value)
    {
        if (value == null)
        {
            return "an empty value";
        }
        if (value instanceof String)
        {
            return "a string";
        }
        if (value instanceof Number)
        {
            return "a number";
        }
        if (value instanceof Boolean)
        {
            return "a boolean";
        }
        if (value instanceof List)
        {
            return "a list";
        }
        if (value instanceof Map)
        {
            return "a mapping";
        }
        return "a " + value.getClass().getSimpleName();
    }

    private Object value(final String name)
    {
        read.add(name);
        return values.get(name);
    }
}
