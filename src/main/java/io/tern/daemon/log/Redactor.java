package io.tern.daemon.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * Masks credentials in text bound for the log: {@code token=…} query parameters,
 * {@code Authorization: Bearer …} values, {@code "token": "…"} JSON fields, anything shaped like a
 * JWT, and the literal secrets registered with {@link #addSecret(String)} (the config token).
 * Thread-safe: secrets may be added while other threads redact.
 */
public final class Redactor
{
    /** What a masked value is replaced with. */
    public static final String MASK = "[redacted]";

    private static final Pattern QUERY_TOKEN = Pattern.compile("(?i)(token=)[^&\\s\"',;]+");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+");
    private static final Pattern JSON_TOKEN = Pattern.compile("(?i)(\"[a-z_]*token\"\\s*:\\s*\")[^\"]*");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");

    private final List<String> secrets = new CopyOnWriteArrayList<>();

    /**
     * Registers a value that must never appear in a log line. Blank values are ignored.
     *
     * @param secret the literal text to mask wherever it occurs.
     */
    public void addSecret(final String secret)
    {
        if (secret != null && !secret.isBlank() && !secrets.contains(secret))
        {
            secrets.add(secret);
        }
    }

    /**
     * @param text any text, e.g. a formatted log message; null gives null.
     * @return the text with every credential replaced by {@value #MASK}.
     */
    public String redact(final String text)
    {
        if (text == null || text.isEmpty())
        {
            return text;
        }
        String result = text;
        for (final String secret : secrets)
        {
            result = result.replace(secret, MASK);
        }
        result = JWT.matcher(result).replaceAll(MASK);
        result = QUERY_TOKEN.matcher(result).replaceAll("$1" + MASK);
        result = BEARER.matcher(result).replaceAll("$1" + MASK);
        result = JSON_TOKEN.matcher(result).replaceAll("$1" + MASK);
        return result;
    }
}
