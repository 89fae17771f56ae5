package io.tern.daemon.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * One browser tab in its own browser context (fresh cookies and sessionStorage), driven the way a
 * person drives it: real mouse clicks at an element's centre and real key events, through the
 * DevTools protocol. It records every request URL and websocket URL the page opens, the websocket
 * frames it receives, every
 * JavaScript exception and every console or browser error (CSP violations included), so tests can
 * assert on them. Waits poll a JavaScript condition until a deadline; on timeout the failure names
 * the condition, shows the page's notices and saves a screenshot.
 */
final class BrowserTab implements AutoCloseable
{
    static final int WIDTH = 1400;
    static final int HEIGHT = 900;
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 50;

    private final DevTools devTools;
    private final String browserContextId;
    private final String sessionId;
    private final Path artifacts;
    private final String name;
    /** Request URLs (HTTP and websocket) as the browser sent them, fragment excluded by the protocol. */
    final List<String> requestUrls = new CopyOnWriteArrayList<>();
    /** Request URLs including any fragment the page had, as DevTools reports it. */
    final List<String> requestFragments = new CopyOnWriteArrayList<>();
    /** The payload of every websocket frame the page received, in order. */
    final List<String> framesReceived = new CopyOnWriteArrayList<>();
    /** JavaScript exceptions and error-level console or browser log entries. */
    final List<String> errors = new CopyOnWriteArrayList<>();

    /**
     * @param devTools  the browser connection.
     * @param artifacts where failure screenshots go.
     * @param name      used in file names.
     */
    BrowserTab(final DevTools devTools, final Path artifacts, final String name)
    {
        this.devTools = devTools;
        this.artifacts = artifacts;
        this.name = name;
        this.browserContextId = devTools.call(null, "Target.createBrowserContext", DevTools.params()).get("browserContextId").asText();
        final String targetId = devTools.call(null, "Target.createTarget",
            DevTools.params().put("url", "about:blank").put("browserContextId", browserContextId)).get("targetId").asText();
        this.sessionId = devTools.call(null, "Target.attachToTarget",
            DevTools.params().put("targetId", targetId).put("flatten", true)).get("sessionId").asText();
        devTools.addListener(this::record);
        call("Page.enable", null);
        call("Runtime.enable", null);
        call("Network.enable", null);
        call("Log.enable", null);
        resize(WIDTH, HEIGHT);
    }

    /** Sets the viewport size in CSS pixels. */
    void resize(final int width, final int height)
    {
        call("Emulation.setDeviceMetricsOverride", DevTools.params()
            .put("width", width).put("height", height).put("deviceScaleFactor", 1).put("mobile", false));
    }

    private void record(final DevTools.Event event)
    {
        if (!sessionId.equals(event.sessionId()))
        {
            return;
        }
        final JsonNode params = event.params();
        switch (event.method())
        {
            case "Network.requestWillBeSent":
                requestUrls.add(params.path("request").path("url").asText());
                requestFragments.add(params.path("request").path("urlFragment").asText(""));
                break;
            case "Network.webSocketCreated":
                requestUrls.add(params.path("url").asText());
                break;
            case "Network.webSocketFrameReceived":
                framesReceived.add(params.path("response").path("payloadData").asText());
                break;
            case "Runtime.exceptionThrown":
                errors.add("exception: " + params.path("exceptionDetails").path("exception").path("description").asText(
                    params.path("exceptionDetails").path("text").asText()));
                break;
            case "Runtime.consoleAPICalled":
                if ("error".equals(params.path("type").asText()))
                {
                    errors.add("console.error: " + params.path("args").toString());
                }
                break;
            case "Log.entryAdded":
                if ("error".equals(params.path("entry").path("level").asText()))
                {
                    errors.add("browser: " + params.path("entry").path("text").asText() + " "
                        + params.path("entry").path("url").asText(""));
                }
                break;
            default:
                break;
        }
    }

    JsonNode call(final String method, final JsonNode params)
    {
        return devTools.call(sessionId, method, params);
    }

    /**
     * Answers every request whose URL matches {@code urlPattern} (DevTools wildcards) with
     * {@code respond(url)} as a 200 JSON body, without reaching the daemon.
     */
    void answerRequests(final String urlPattern, final Function<String, String> respond)
    {
        devTools.addListener(event ->
        {
            if (!sessionId.equals(event.sessionId()) || !"Fetch.requestPaused".equals(event.method()))
            {
                return;
            }
            final String body = respond.apply(event.params().path("request").path("url").asText());
            final ArrayNode headers = DevTools.params().arrayNode();
            headers.addObject().put("name", "Content-Type").put("value", "application/json; charset=utf-8");
            final ObjectNode fulfil = DevTools.params()
                .put("requestId", event.params().path("requestId").asText())
                .put("responseCode", 200)
                .put("body", Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
            fulfil.set("responseHeaders", headers);
            devTools.callAsync(sessionId, "Fetch.fulfillRequest", fulfil);
        });
        final ObjectNode params = DevTools.params();
        params.putArray("patterns").addObject().put("urlPattern", urlPattern).put("requestStage", "Request");
        call("Fetch.enable", params);
    }

    /** Loads the URL and waits until the document has loaded. */
    void open(final String url)
    {
        final JsonNode result = call("Page.navigate", DevTools.params().put("url", url));
        if (result.has("errorText"))
        {
            fail("Chromium could not open " + url + ": " + result.get("errorText").asText());
        }
        waitFor("the page " + url + " loaded", "document.readyState === 'complete'");
    }

    /**
     * Evaluates a JavaScript expression in the page (promises awaited) and returns its value as JSON.
     */
    JsonNode eval(final String expression)
    {
        final JsonNode result = call("Runtime.evaluate", DevTools.params()
            .put("expression", expression).put("returnByValue", true).put("awaitPromise", true));
        if (result.has("exceptionDetails"))
        {
            throw new IllegalStateException("the page threw evaluating " + expression + ": "
                + result.get("exceptionDetails").path("exception").path("description").asText(result.get("exceptionDetails").toString()));
        }
        return result.path("result").path("value");
    }

    String text(final String selector)
    {
        return eval("(document.querySelector(" + quote(selector) + ") || {}).textContent || ''").asText();
    }

    /** Polls a JavaScript condition until it is truthy or {@link #DEFAULT_WAIT} passes. */
    void waitFor(final String what, final String condition)
    {
        waitFor(what, condition, DEFAULT_WAIT);
    }

    void waitFor(final String what, final String condition, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final JsonNode value = eval("!!(" + condition + ")");
            if (value.asBoolean())
            {
                return;
            }
            if (System.nanoTime() > deadline)
            {
                final Path shot = artifacts.resolve(name + "-timeout.png");
                String notices;
                try
                {
                    screenshot(shot);
                    notices = eval("(document.getElementById('notices') || document.body).innerText + ' | connection: '"
                        + " + ((document.getElementById('connection') || {}).textContent || '')").asText();
                }
                catch (final RuntimeException | IOException ex)
                {
                    notices = "(page not readable: " + ex.getMessage() + ")";
                }
                fail("waited " + timeout.toSeconds() + " s for " + what + " (" + condition + "); the page says: " + notices
                    + "; errors: " + errors + "; screenshot: " + shot);
            }
            try
            {
                Thread.sleep(POLL_MILLIS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    /** A left click at the centre of the element, as a mouse does it (it must be visible and enabled to act). */
    void click(final String selector)
    {
        waitFor(selector + " to be visible", "(() => { const e = document.querySelector(" + quote(selector)
            + "); if (!e) return false; e.scrollIntoView({block: 'nearest'}); const r = e.getBoundingClientRect();"
            + " return r.width > 0 && r.height > 0; })()");
        final JsonNode box = eval("(() => { const r = document.querySelector(" + quote(selector)
            + ").getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()");
        final double x = box.get("x").asDouble();
        final double y = box.get("y").asDouble();
        mouse("mouseMoved", x, y);
        mouse("mousePressed", x, y);
        mouse("mouseReleased", x, y);
    }

    private void mouse(final String type, final double x, final double y)
    {
        final ObjectNode params = DevTools.params().put("type", type).put("x", x).put("y", y);
        if (!"mouseMoved".equals(type))
        {
            params.put("button", "left").put("clickCount", 1);
        }
        call("Input.dispatchMouseEvent", params);
    }

    /** Types text into the focused element, as an input method commits it. */
    void type(final String text)
    {
        call("Input.insertText", DevTools.params().put("text", text));
    }

    /** Presses and releases Enter, ArrowUp or ArrowDown on the focused element. */
    void press(final String key)
    {
        final int code;
        switch (key)
        {
            case "Enter":
                code = 13;
                break;
            case "ArrowUp":
                code = 38;
                break;
            case "ArrowDown":
                code = 40;
                break;
            default:
                throw new IllegalArgumentException("no key code for " + key);
        }
        final ObjectNode down = DevTools.params().put("type", "keyDown").put("key", key).put("code", key)
            .put("windowsVirtualKeyCode", code).put("nativeVirtualKeyCode", code);
        if ("Enter".equals(key))
        {
            down.put("text", "\r").put("unmodifiedText", "\r");
        }
        call("Input.dispatchKeyEvent", down);
        call("Input.dispatchKeyEvent", DevTools.params().put("type", "keyUp").put("key", key).put("code", key)
            .put("windowsVirtualKeyCode", code).put("nativeVirtualKeyCode", code));
    }

    /** Saves a PNG of the viewport. */
    void screenshot(final Path file) throws IOException
    {
        final JsonNode shot = call("Page.captureScreenshot", DevTools.params().put("format", "png"));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
    }

    /** The errors recorded so far, minus those a test expects (matched by substring). */
    List<String> unexpectedErrors(final String... expected)
    {
        final List<String> unexpected = new ArrayList<>();
        for (final String error : errors)
        {
            boolean known = false;
            for (final String substring : expected)
            {
                known |= error.contains(substring);
            }
            if (!known)
            {
                unexpected.add(error);
            }
        }
        return unexpected;
    }

    static String quote(final String text)
    {
        return DevTools.json(text).toString();
    }

    @Override
    public void close()
    {
        devTools.call(null, "Target.disposeBrowserContext", DevTools.params().put("browserContextId", browserContextId));
    }
}
