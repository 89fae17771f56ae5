package io.tern.daemon.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A minimal Chrome DevTools Protocol client over the JDK's websocket: commands with ids and their
 * results, and events to listeners, on one browser-level connection; page sessions are addressed by
 * {@code sessionId} (flattened targets). Listeners run on the websocket's receiving thread and must
 * not wait for a command's result there: use {@link #callAsync}.
 */
final class DevTools implements AutoCloseable
{
    /** An event: its method, params and the session it belongs to ({@code null} for the browser). */
    record Event(String method, JsonNode params, String sessionId)
    {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();

    private DevTools(final URI endpoint) throws InterruptedException, ExecutionException, TimeoutException
    {
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .buildAsync(endpoint, new Receiver())
            .get(10, TimeUnit.SECONDS);
    }

    /**
     * @param endpoint the browser's {@code ws://127.0.0.1:<port>/devtools/browser/<id>}.
     * @return a connected client.
     */
    static DevTools connect(final URI endpoint) throws Exception
    {
        return new DevTools(endpoint);
    }

    static ObjectNode params()
    {
        return JSON.createObjectNode();
    }

    static JsonNode json(final Object value)
    {
        return JSON.valueToTree(value);
    }

    void addListener(final Consumer<Event> listener)
    {
        listeners.add(listener);
    }

    /**
     * Sends a command and waits for its result.
     *
     * @throws IllegalStateException with the protocol's error when the command failed.
     */
    JsonNode call(final String sessionId, final String method, final JsonNode params)
    {
        try
        {
            return callAsync(sessionId, method, params).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " was interrupted", ex);
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException(method + " failed: " + ex.getCause().getMessage(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException(method + " had no answer from Chromium within " + CALL_TIMEOUT.toSeconds() + " s", ex);
        }
    }

    /** Sends a command without waiting; safe from a listener. */
    CompletableFuture<JsonNode> callAsync(final String sessionId, final String method, final JsonNode params)
    {
        final int id = ids.incrementAndGet();
        final ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params == null ? JSON.createObjectNode() : params);
        if (sessionId != null)
        {
            message.put("sessionId", sessionId);
        }
        final CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(id, result);
        synchronized (socket)
        {
            socket.sendText(message.toString(), true).join();
        }
        return result;
    }

    @Override
    public void close()
    {
        socket.abort();
        pending.values().forEach(future -> future.completeExceptionally(new IllegalStateException("DevTools connection closed")));
    }

    /** Reassembles text messages and routes results and events. */
    private final class Receiver implements WebSocket.Listener
    {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            partial.append(data);
            if (last)
            {
                final String text = partial.toString();
                partial.setLength(0);
                dispatch(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void onError(final WebSocket webSocket, final Throwable error)
        {
            pending.values().forEach(future -> future.completeExceptionally(error));
        }

        private void dispatch(final String text)
        {
            final JsonNode message;
            try
            {
                message = JSON.readTree(text);
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException("Chromium sent a DevTools message that is not JSON: " + text, ex);
            }
            if (message.has("id"))
            {
                final CompletableFuture<JsonNode> result = pending.remove(message.get("id").asInt());
                if (result == null)
                {
                    return;
                }
                if (message.has("error"))
                {
                    result.completeExceptionally(new IllegalStateException(message.get("error").toString()));
                }
                else
                {
                    result.complete(message.get("result"));
                }
                return;
            }
            final Event event = new Event(message.path("method").asText(), message.path("params"),
                message.has("sessionId") ? message.get("sessionId").asText() : null);
            for (final Consumer<Event> listener : listeners)
            {
                listener.accept(event);
            }
        }
    }
}
