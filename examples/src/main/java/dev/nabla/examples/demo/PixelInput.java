package dev.nabla.examples.demo;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * A prediction request's body as the 784 pixels of a 28x28 image in [0, 1] (white on black, as the dataset is):
 * JSON (an array of 784 numbers, or {@code {"pixels": [...]}}) or a 28x28 PNG. Anything else is an
 * {@link HttpError} naming the problem.
 */
final class PixelInput {
    static final int SIDE = 28;
    static final int PIXELS = SIDE * SIDE;

    private PixelInput() {
    }

    /** The pixels of {@code body}, read as {@code contentType} says (its media type, parameters ignored). */
    static float[] parse(String contentType, byte[] body) throws IOException {
        String media = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return switch (media) {
            case "application/json" -> fromJson(body);
            case "image/png" -> fromPng(body);
            default -> throw new HttpError(415, "Content-Type must be application/json (784 numbers in [0, 1]) or "
                    + "image/png (28x28), not '" + (contentType == null ? "" : contentType) + "'");
        };
    }

    static float[] fromJson(byte[] body) {
        JsonNode root;
        try {
            root = Exchanges.JSON.readTree(body);
        } catch (JacksonException e) {
            throw new HttpError(400, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new HttpError(400, "the body could not be read as JSON: " + e.getMessage());
        }
        JsonNode array = root != null && root.isObject() ? root.get("pixels") : root;
        if (array == null || !array.isArray()) {
            throw new HttpError(400, "expected a JSON array of " + PIXELS + " numbers or {\"pixels\": [...]}");
        }
        if (array.size() != PIXELS) {
            throw new HttpError(400, "expected " + PIXELS + " pixel values (28x28), got " + array.size());
        }
        float[] pixels = new float[PIXELS];
        for (int i = 0; i < PIXELS; i++) {
            JsonNode v = array.get(i);
            double x = v.isNumber() ? v.asDouble() : Double.NaN;
            if (!(x >= 0 && x <= 1)) {
                throw new HttpError(400, "pixel " + i + " is " + v + "; pixels are numbers in [0, 1]");
            }
            pixels[i] = (float) x;
        }
        return pixels;
    }

    /**
     * A 28x28 PNG: grey levels as they are (k/255), colour images by luminance. The size is checked from the header
     * before any pixel is decoded, so a small file that declares a huge image costs nothing.
     */
    static float[] fromPng(byte[] body) throws IOException {
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(body))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new HttpError(400, "the body is not an image (expected a 28x28 PNG)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width != SIDE || height != SIDE) {
                    throw new HttpError(400, "the image is " + width + "x" + height + ", expected 28x28");
                }
                image = reader.read(0);
            } catch (IOException | RuntimeException e) {
                if (e instanceof HttpError) {
                    throw e;
                }
                // a decoder's complaint about a corrupt file is the client's problem, not the server's
                throw new HttpError(400, "the image could not be decoded: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
        float[] pixels = new float[PIXELS];
        Raster raster = image.getRaster();
        // getRGB would push grey images through a colour conversion that changes their levels
        boolean grey = raster.getNumBands() <= 2 && !(image.getColorModel() instanceof IndexColorModel);
        float max = (1 << image.getColorModel().getComponentSize(0)) - 1;
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                if (grey) {
                    pixels[y * SIDE + x] = raster.getSample(x, y, 0) / max;
                } else {
                    int rgb = image.getRGB(x, y);
                    double lum = 0.299 * (rgb >> 16 & 255) + 0.587 * (rgb >> 8 & 255) + 0.114 * (rgb & 255);
                    pixels[y * SIDE + x] = (float) (lum / 255);
                }
            }
        }
        return pixels;
    }
}
