package io.tern.transport;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

import java.util.List;

/**
 * Wings' two uses of {@code remote} and {@code allowed_origins} (PROTOCOL.md §1.1, §1.2 item 5):
 * the CORS headers on every HTTP response, and the Origin check of the websocket upgrade. Both
 * compare strings exactly, with no URL normalisation. Immutable; any thread.
 */
final class OriginPolicy
{
    private static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
    private static final HttpString ALLOW_CREDENTIALS = new HttpString("Access-Control-Allow-Credentials");
    private static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
    private static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");
    private static final HttpString MAX_AGE = new HttpString("Access-Control-Max-Age");
    private static final HttpString PRIVATE_NETWORK = new HttpString("Access-Control-Request-Private-Network");
    private static final HttpString[] CORS_HEADERS = {
        ALLOW_ORIGIN, ALLOW_CREDENTIALS, ALLOW_METHODS, ALLOW_HEADERS, MAX_AGE, PRIVATE_NETWORK};

    private final String remote;
    private final String[] allowedOrigins;
    private final boolean anyOrigin;
    private final boolean privateNetwork;

    /**
     * @param remote         the panel URL.
     * @param allowedOrigins further allowed Origins, possibly {@code *}.
     * @param privateNetwork {@code allow_cors_private_network}.
     */
    OriginPolicy(final String remote, final List<String> allowedOrigins, final boolean privateNetwork)
    {
        this.remote = remote == null ? "" : remote;
        this.allowedOrigins = allowedOrigins.toArray(new String[0]);
        this.anyOrigin = allowedOrigins.contains("*");
        this.privateNetwork = privateNetwork;
    }

    /**
     * Sets the CORS headers of Wings' middleware: the allowed origin is {@code remote}, unless the
     * request's Origin differs from it and an {@code allowed_origins} entry is {@code *} or equals
     * it (the first such entry wins).
     *
     * @param exchange the exchange.
     */
    void applyCors(final HttpServerExchange exchange)
    {
        final String origin = origin(exchange);
        String allowed = remote;
        if (!origin.equals(remote))
        {
            for (final String entry : allowedOrigins)
            {
                if (entry.equals("*") || entry.equals(origin))
                {
                    allowed = entry;
                    break;
                }
            }
        }
        final HeaderMap headers = exchange.getResponseHeaders();
        headers.put(ALLOW_CREDENTIALS, "true");
        headers.put(ALLOW_METHODS, "GET, POST, PATCH, PUT, DELETE, OPTIONS");
        headers.put(ALLOW_HEADERS,
            "Accept, Accept-Encoding, Authorization, Cache-Control, Content-Type, Content-Length, Origin, X-Real-IP, X-CSRF-Token");
        if (privateNetwork)
        {
            headers.put(PRIVATE_NETWORK, "true");
        }
        headers.put(MAX_AGE, "7200");
        headers.put(ALLOW_ORIGIN, allowed);
    }

    /**
     * Removes what {@link #applyCors} set: gorilla writes the {@code 101} by hand, so Wings' upgrade
     * answer carries none of the middleware's headers.
     *
     * @param exchange the exchange about to be upgraded.
     */
    static void removeCors(final HttpServerExchange exchange)
    {
        final HeaderMap headers = exchange.getResponseHeaders();
        for (final HttpString name : CORS_HEADERS)
        {
            headers.remove(name);
        }
    }

    /**
     * The websocket Origin check: {@code Origin == remote}, or {@code allowed_origins} holds
     * {@code *} or the Origin itself. A missing Origin counts as the empty string.
     *
     * @param exchange the upgrade request.
     * @return whether the upgrade may proceed.
     */
    boolean allowsWebsocket(final HttpServerExchange exchange)
    {
        if (anyOrigin)
        {
            return true;
        }
        final String origin = origin(exchange);
        if (origin.equals(remote))
        {
            return true;
        }
        for (final String entry : allowedOrigins)
        {
            if (entry.equals(origin))
            {
                return true;
            }
        }
        return false;
    }

    private static String origin(final HttpServerExchange exchange)
    {
        final String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        return origin == null ? "" : origin;
    }
}
