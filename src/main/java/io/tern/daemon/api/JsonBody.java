package io.tern.daemon.api;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A request body parsed, completely and before any route sees it, as a JSON object, with typed
 * getters. Every problem — bytes that are not UTF-8, text that is not JSON, a field of the wrong
 * type — is an {@link ApiError} 400 that names the field, so malformed input never reaches a route
 * as any other exception. (The parser is snakeyaml-engine's, the same one as the config file's, so
 * a server's fields are read by the very code that reads {@code servers:}; it also accepts YAML
 * flow syntax, a superset of JSON.) Worker thread; allocates.
 */
final class JsonBody
{
    private final Map<?, ?> fields;

    private JsonBody(final Map<?, ?> fields)
    {
        this.fields = fields;
    }

    /**
     * @param body the request bytes.
     * @return the parsed object.
     * @throws ApiError 400 when the body is not one JSON object.
     */
    static JsonBody parse(final byte[] body)
    {
        final String text;
        try
        {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(body))
                .toString();
        }
        catch (final CharacterCodingException ex)
        {
            throw new ApiError(400, "The request body is not UTF-8 text.");
        }
        if (text.isBlank())
        {
            throw new ApiError(400, "The request body is empty; it must be a JSON object.");
        }
        final Object document;
        try
        {
            document = new Load(LoadSettings.builder()
                .setLabel("request body")
                .setSchema(new CoreSchema())
                .setAllowDuplicateKeys(false)
                .build()).loadFromString(text);
        }
        catch (final MarkedYamlEngineException ex)
        {
            final String where = ex.getProblemMark()
                .map(mark -> " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1))
                .orElse("");
            throw new ApiError(400, "The request body is not valid JSON" + where + ": " + ex.getProblem() + ".");
        }
        catch (final YamlEngineException ex)
        {
            throw new ApiError(400, "The request body is not valid JSON: " + firstLine(ex.getMessage()) + ".");
        }
        if (!(document instanceof Map))
        {
            throw new ApiError(400, "The request body must be a JSON object, not " + describe(document) + ".");
        }
        return new JsonBody((Map<?, ?>)document);
    }

    /**
     * @return every field, as plain maps, lists, strings, numbers and booleans.
     */
    Map<?, ?> fields()
    {
        return fields;
    }

    /**
     * @param name a field.
     * @return its text, or {@code null} when absent.
     * @throws ApiError 400 when it is not a string.
     */
    String string(final String name)
    {
        final Object value = fields.get(name);
        if (value == null || value instanceof String)
        {
            return (String)value;
        }
        throw new ApiError(400, name + " must be a string, not " + describe(value) + ".");
    }

    /**
     * @param name a field holding an object.
     * @return that object.
     * @throws ApiError 400 when it is absent or not an object.
     */
    JsonBody object(final String name)
    {
        final Object value = fields.get(name);
        if (value instanceof Map)
        {
            return new JsonBody((Map<?, ?>)value);
        }
        throw new ApiError(400, name + " must be an object, not " + describe(value) + ".");
    }

    /**
     * @param name a field.
     * @return its strings, or {@code null} when absent.
     * @throws ApiError 400 when it is not an array of strings.
     */
    List<String> stringList(final String name)
    {
        final Object value = fields.get(name);
        if (value == null)
        {
            return null;
        }
        if (!(value instanceof List))
        {
            throw new ApiError(400, name + " must be an array of strings, not " + describe(value) + ".");
        }
        final List<?> items = (List<?>)value;
        final List<String> strings = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++)
        {
            final Object item = items.get(i);
            if (!(item instanceof String))
            {
                throw new ApiError(400, name + "[" + i + "] must be a string, not " + describe(item) + ".");
            }
            strings.add((String)item);
        }
        return strings;
    }

    /**
     * @param name         a field.
     * @param defaultValue the value when absent.
     * @return its value.
     * @throws ApiError 400 when it is not a whole number that fits a {@code long}.
     */
    long wholeNumber(final String name, final long defaultValue)
    {
        final Object value = fields.get(name);
        if (value == null)
        {
            return defaultValue;
        }
        if (value instanceof Integer || value instanceof Long)
        {
            return ((Number)value).longValue();
        }
        if (value instanceof BigInteger)
        {
            throw new ApiError(400, name + " is too large: " + value + ".");
        }
        throw new ApiError(400, name + " must be a whole number, not " + describe(value) + ".");
    }

    /**
     * @return a value as quoted in an error message: {@code "abc"}, {@code 12}, {@code an array}.
     */
    static String describe(final Object value)
    {
        if (value == null)
        {
            return "null";
        }
        if (value instanceof String)
        {
            final String text = (String)value;
            return "\"" + (text.length() > 60 ? text.substring(0, 60) + "…" : text) + "\"";
        }
        if (value instanceof Number || value instanceof Boolean)
        {
            return String.valueOf(value);
        }
        if (value instanceof List)
        {
            return "an array";
        }
        if (value instanceof Map)
        {
            return "an object";
        }
        return "a " + value.getClass().getSimpleName();
    }

    private static String firstLine(final String message)
    {
        if (message == null)
        {
            return "unreadable";
        }
        final String trimmed = message.strip();
        final int newline = trimmed.indexOf('\n');
        return newline < 0 ? trimmed : trimmed.substring(0, newline);
    }
}
