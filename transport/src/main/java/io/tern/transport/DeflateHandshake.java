package io.tern.transport;

import io.undertow.websockets.WebSocketExtension;
import io.undertow.websockets.extensions.ExtensionFunction;
import io.undertow.websockets.extensions.ExtensionHandshake;

import java.util.List;

/**
 * Negotiates permessage-deflate the way Pelican Wings (gorilla/websocket) does (PROTOCOL.md §1.2
 * item 6): the first {@code permessage-deflate} offer is accepted whatever its parameters, and the
 * answer is always {@link #RESPONSE}, no context takeover in either direction.
 *
 * <p>Undertow's own {@code PerMessageDeflateHandshake} differs: it echoes only the parameters the
 * client offered (a browser's bare offer would get context takeover), it mutates shared state in
 * {@code accept}, and its function keeps a Deflater and an Inflater per connection. Stateless;
 * any thread.
 */
final class DeflateHandshake implements ExtensionHandshake
{
    /** The exact {@code Sec-WebSocket-Extensions} value of the {@code 101}. */
    static final String RESPONSE = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

    private static final String NAME = "permessage-deflate";

    @Override
    public String getName()
    {
        return NAME;
    }

    @Override
    public WebSocketExtension accept(final WebSocketExtension offer)
    {
        if (offer == null || !NAME.equals(offer.getName()))
        {
            return null;
        }
        final WebSocketExtension negotiated = new WebSocketExtension(NAME);
        negotiated.getParameters().add(new WebSocketExtension.Parameter("server_no_context_takeover", null));
        negotiated.getParameters().add(new WebSocketExtension.Parameter("client_no_context_takeover", null));
        return negotiated;
    }

    @Override
    public boolean isIncompatible(final List<ExtensionHandshake> alreadySelected)
    {
        for (final ExtensionHandshake selected : alreadySelected)
        {
            if (NAME.equals(selected.getName()))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Never called: Undertow builds the function for its own {@code WebSocketChannel}, and Tern
     * frames the upgraded socket itself ({@link Connection}, {@link FrameReader}).
     */
    @Override
    public ExtensionFunction create()
    {
        throw new UnsupportedOperationException("permessage-deflate is applied by Tern's own framing");
    }
}
