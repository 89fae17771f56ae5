package io.tern.daemon.web;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;

/**
 * The built-in web console: static pages from the daemon jar, {@code /} (the server list) and
 * {@code /console/{uuid}} (one server's console), with their scripts, styles and the uPlot WebJar
 * under {@code /assets/}. The pages hold no secret and need no authentication; they ask the
 * operator for the node token and call the bearer-protected admin API and the server websocket
 * from the browser, exactly as a panel's client does.
 *
 * <p>Every file is read from the class path once, at construction, so a request never touches the
 * disk. Responses carry a strict Content-Security-Policy (scripts, styles and connections only from
 * this origin), {@code X-Frame-Options: DENY}, {@code nosniff}, {@code no-referrer}, and an ETag
 * ({@code If-None-Match} answers 304). IO thread; never blocks; immutable after construction.
 */
public final class WebConsole implements HttpHandler
{
    /** The path prefix of one server's console page. */
    public static final String CONSOLE_PREFIX = "/console/";

    private static final String RESOURCES = "web/";
    private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
    private static final String ASSETS_PREFIX = "/assets/";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        + " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final HttpString CONTENT_SECURITY_POLICY = new HttpString("Content-Security-Policy");
    private static final HttpString X_FRAME_OPTIONS = new HttpString("X-Frame-Options");
    private static final HttpString REFERRER_POLICY = new HttpString("Referrer-Policy");
    private static final String ALLOW = "GET, HEAD";

    private final Map<String, Asset> assets = new HashMap<>();
    private final Asset serverList;
    private final Asset console;

    /** One file, ready to send. */
    private record Asset(ByteBuffer body, String contentType, String etag)
    {
    }

    /**
     * Loads every page and asset from the class path.
     *
     * @throws IllegalStateException when a file of the console is missing from the jar.
     */
    public WebConsole()
    {
        serverList = load(RESOURCES + "index.html", "text/html; charset=utf-8");
        console = load(RESOURCES + "console.html", "text/html; charset=utf-8");
        for (final String script : new String[] {"ansi.js", "protocol.js", "signin.js", "servers.js", "console.js"})
        {
            assets.put(ASSETS_PREFIX + script, load(RESOURCES + "assets/" + script, "text/javascript; charset=utf-8"));
        }
        assets.put(ASSETS_PREFIX + "tern.css", load(RESOURCES + "assets/tern.css", "text/css; charset=utf-8"));
        assets.put(ASSETS_PREFIX + "favicon.svg", load(RESOURCES + "assets/favicon.svg", "image/svg+xml"));
        final String uplot = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        assets.put(ASSETS_PREFIX + "uplot/uPlot.iife.min.js", load(uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"));
        assets.put(ASSETS_PREFIX + "uplot/uPlot.min.css", load(uplot + "uPlot.min.css", "text/css; charset=utf-8"));
    }

    /**
     * The URL that opens a server's console already signed in: the node token rides in the fragment,
     * which browsers never send to the server (no request line, no access log); the page moves it
     * into the tab's sessionStorage and removes it from the address bar.
     *
     * @param origin     {@code http://host:port}, as the browser reaches the daemon.
     * @param serverUuid the server.
     * @param nodeToken  the node token.
     * @return {@code <origin>/console/<uuid>#token=<node token>}.
     */
    public static String signedInConsoleUrl(final String origin, final String serverUuid, final String nodeToken)
    {
        return origin + CONSOLE_PREFIX + serverUuid + "#token=" + URLEncoder.encode(nodeToken, StandardCharsets.UTF_8);
    }

    /**
     * @param path a request path, without the query string.
     * @return whether this handler answers it: {@code /}, {@code /console/<one segment>} or a known asset.
     */
    public boolean serves(final String path)
    {
        return "/".equals(path) || consoleUuid(path) != null || assets.containsKey(path);
    }

    /**
     * Answers one request for a path {@link #serves(String)} accepted; {@code GET} and {@code HEAD}
     * only, anything else is a 405 with {@code Allow}. IO thread, non-blocking.
     */
    @Override
    public void handleRequest(final HttpServerExchange exchange)
    {
        final Asset asset = asset(exchange.getRequestPath());
        final boolean head = Methods.HEAD.equals(exchange.getRequestMethod());
        if (!head && !Methods.GET.equals(exchange.getRequestMethod()))
        {
            exchange.getResponseHeaders().put(Headers.ALLOW, ALLOW);
            exchange.setStatusCode(405);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
            exchange.getResponseSender().send("{\"error\":\"Method " + exchange.getRequestMethod()
                + " is not allowed on the web console's pages; use GET.\"}");
            return;
        }
        exchange.getResponseHeaders()
            .put(CONTENT_SECURITY_POLICY, CSP)
            .put(X_FRAME_OPTIONS, "DENY")
            .put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff")
            .put(REFERRER_POLICY, "no-referrer")
            .put(Headers.CACHE_CONTROL, "no-cache")
            .put(Headers.ETAG, asset.etag());
        final String ifNoneMatch = exchange.getRequestHeaders().getFirst(Headers.IF_NONE_MATCH);
        if (asset.etag().equals(ifNoneMatch))
        {
            exchange.setStatusCode(304);
            exchange.endExchange();
            return;
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, asset.contentType());
        if (head)
        {
            exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, asset.body().remaining());
            exchange.endExchange();
            return;
        }
        exchange.getResponseSender().send(asset.body().duplicate());
    }

    /**
     * @param path a request path.
     * @return the {@code {uuid}} of {@code /console/{uuid}} (any single non-empty segment), else {@code null}.
     */
    static String consoleUuid(final String path)
    {
        if (!path.startsWith(CONSOLE_PREFIX) || path.length() == CONSOLE_PREFIX.length()
            || path.indexOf('/', CONSOLE_PREFIX.length()) >= 0)
        {
            return null;
        }
        return path.substring(CONSOLE_PREFIX.length());
    }

    private Asset asset(final String path)
    {
        if ("/".equals(path))
        {
            return serverList;
        }
        if (consoleUuid(path) != null)
        {
            return console;
        }
        return assets.get(path);
    }

    /** The uPlot WebJar's version, from its Maven metadata, so a version bump in the pom needs no code change. */
    private static String uplotVersion()
    {
        final Properties properties = new Properties();
        try (InputStream in = resource(UPLOT_POM))
        {
            properties.load(in);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + UPLOT_POM + " from the daemon jar: " + ex.getMessage(), ex);
        }
        final String version = properties.getProperty("version");
        if (version == null)
        {
            throw new IllegalStateException(UPLOT_POM + " in the daemon jar has no version");
        }
        return version;
    }

    private static Asset load(final String name, final String contentType)
    {
        final byte[] bytes;
        try (InputStream in = resource(name))
        {
            bytes = in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the web console file " + name + " from the daemon jar: " + ex.getMessage(), ex);
        }
        final ByteBuffer body = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        return new Asset(body.asReadOnlyBuffer(), contentType, '"' + sha256(bytes).substring(0, 32) + '"');
    }

    private static InputStream resource(final String name)
    {
        final InputStream in = WebConsole.class.getClassLoader().getResourceAsStream(name);
        if (in == null)
        {
            throw new IllegalStateException("the daemon jar has no " + name + "; the web console cannot be served (rebuild the jar)");
        }
        return in;
    }

    private static String sha256(final byte[] bytes)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("the JDK has no SHA-256", ex);
        }
    }
}
