package io.tern.daemon.api;

import com.jsoniter.JsonIterator;
import com.jsoniter.ValueType;
import com.jsoniter.any.Any;
import io.tern.engine.Engine;
import io.tern.engine.server.ServerHandle;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The bearer-protected REST routes a panel calls on the daemon (PROTOCOL.md §8). For now:
 * {@code POST /api/servers/{uuid}/ws/deny}. Runs on Undertow IO threads; bodies are read
 * asynchronously and every bad request gets a 4xx with a JSON {@code error}.
 */
public final class AdminApi implements HttpHandler
{
    private static final String PREFIX = "/api/servers/";
    private static final String NOT_FOUND = "The requested resource does not exist on this instance.";
    private static final int MAX_BODY = 64 * 1024;

    private final Engine engine;
    private final byte[] nodeToken;

    /**
     * @param engine    the websocket engine (servers, denylist).
     * @param nodeToken the node token that authenticates panel requests.
     */
    public AdminApi(final Engine engine, final byte[] nodeToken)
    {
        this.engine = engine;
        this.nodeToken = nodeToken.clone();
    }

    @Override
    public void handleRequest(final HttpServerExchange exchange)
    {
        final String path = exchange.getRequestPath();
        if (path.startsWith(PREFIX) && path.endsWith("/ws/deny"))
        {
            final String uuid = path.substring(PREFIX.length(), path.length() - "/ws/deny".length());
            if (uuid.isEmpty() || uuid.contains("/"))
            {
                error(exchange, 404, NOT_FOUND);
                return;
            }
            if (!Methods.POST.equals(exchange.getRequestMethod()))
            {
                exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
                error(exchange, 405, "Method " + exchange.getRequestMethod() + " is not allowed on this route; use POST.");
                return;
            }
            if (!authorized(exchange))
            {
                return;
            }
            final ServerHandle server = engine.server(uuid);
            if (server == null)
            {
                error(exchange, 404, NOT_FOUND);
                return;
            }
            readBody(exchange, body -> deny(exchange, body));
            return;
        }
        error(exchange, 404, NOT_FOUND);
    }

    private void deny(final HttpServerExchange exchange, final byte[] body)
    {
        final List<String> jtis = stringList(body, "jtis");
        if (jtis == null)
        {
            error(exchange, 400, "The request body must be a JSON object with \"jtis\": an array of strings.");
            return;
        }
        final long now = engine.clock().nanoTime();
        for (final String jti : jtis)
        {
            engine.denylist().denyJti(jti, now);
        }
        exchange.setStatusCode(204);
        exchange.endExchange();
    }

    /**
     * Checks {@code Authorization: Bearer <node token>} in constant time, answering 401/403 itself.
     *
     * @return true when the request may proceed.
     */
    private boolean authorized(final HttpServerExchange exchange)
    {
        final String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            error(exchange, 401, "The required authorization heads were not present in the request.");
            return false;
        }
        final byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(presented, nodeToken))
        {
            error(exchange, 403, "You are not authorized to access this endpoint.");
            return false;
        }
        return true;
    }

    private static void readBody(final HttpServerExchange exchange, final java.util.function.Consumer<byte[]> then)
    {
        final long declared = exchange.getRequestContentLength();
        if (declared > MAX_BODY)
        {
            error(exchange, 413, "The request body is larger than " + MAX_BODY + " bytes.");
            return;
        }
        exchange.setMaxEntitySize(MAX_BODY);
        exchange.getRequestReceiver().receiveFullBytes(
            (ex, bytes) -> then.accept(bytes),
            (ex, failure) -> error(ex, 400, "The request body could not be read: " + failure.getMessage()));
    }

    /**
     * @return the string array under {@code key} of a JSON object body, or {@code null} when the
     * body is not such an object (malformed JSON never escapes as an exception).
     */
    static List<String> stringList(final byte[] body, final String key)
    {
        try
        {
            final Any root = JsonIterator.deserialize(body);
            if (root.valueType() != ValueType.OBJECT)
            {
                return null;
            }
            final Any value = root.get(key);
            if (value.valueType() != ValueType.ARRAY)
            {
                return null;
            }
            final List<String> strings = new ArrayList<>();
            for (final Any element : value)
            {
                if (element.valueType() != ValueType.STRING)
                {
                    return null;
                }
                strings.add(element.toString());
            }
            return strings;
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }

    /**
     * Answers with {@code {"error":"<message>"}}.
     *
     * @param exchange the exchange.
     * @param status   HTTP status.
     * @param message  what was wrong, for the caller.
     */
    public static void error(final HttpServerExchange exchange, final int status, final String message)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.getResponseSender().send("{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    }
}
