package io.tern.transport;

/**
 * Well-formed UTF-8 as RFC 3629 defines it (no overlong forms, no surrogates, nothing past
 * U+10FFFF), which RFC 6455 §8.1 requires of every text message. Stateless.
 */
final class Utf8
{
    private Utf8()
    {
    }

    /**
     * @param bytes  the message.
     * @param offset first byte.
     * @param length bytes to check.
     * @return whether {@code bytes[offset, offset + length)} is well-formed UTF-8.
     */
    static boolean isValid(final byte[] bytes, final int offset, final int length)
    {
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            final int b = bytes[i];
            if (b >= 0)
            {
                i++;
                continue;
            }
            final int lead = b & 0xFF;
            final int continuation;
            int min;
            int max;
            if (lead >= 0xC2 && lead <= 0xDF)
            {
                continuation = 1;
                min = 0x80;
                max = 0xBF;
            }
            else if (lead >= 0xE0 && lead <= 0xEF)
            {
                continuation = 2;
                min = lead == 0xE0 ? 0xA0 : 0x80;
                max = lead == 0xED ? 0x9F : 0xBF;
            }
            else if (lead >= 0xF0 && lead <= 0xF4)
            {
                continuation = 3;
                min = lead == 0xF0 ? 0x90 : 0x80;
                max = lead == 0xF4 ? 0x8F : 0xBF;
            }
            else
            {
                return false;
            }
            if (i + continuation >= end)
            {
                return false;
            }
            for (int k = 1; k <= continuation; k++)
            {
                final int next = bytes[i + k] & 0xFF;
                if (next < min || next > max)
                {
                    return false;
                }
                min = 0x80;
                max = 0xBF;
            }
            i += continuation + 1;
        }
        return true;
    }
}
