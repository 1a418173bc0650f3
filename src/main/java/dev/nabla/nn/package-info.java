/**
 * Neural-network building blocks, shaped like {@code torch.nn}: the {@link dev.nabla.nn.Module} base with named
 * parameters, buffers, train/eval mode and state dicts; layers (linear, convolution, pooling, normalisation,
 * dropout, embedding, recurrent {@link dev.nabla.nn.RNN}/{@link dev.nabla.nn.LSTM}/{@link dev.nabla.nn.GRU}),
 * activations, containers ({@link dev.nabla.nn.Sequential}, {@link dev.nabla.nn.ResidualBlock}), loss modules
 * ({@link dev.nabla.nn.Loss}) and initialisers ({@link dev.nabla.nn.Init}). Layers are composed of the
 * differentiable functions in {@link dev.nabla.F}, so they run on every device and autograd needs nothing extra.
 *
 * <pre>{@code
 * var model = new Sequential(new Linear(784, 512), new ReLU(), new Dropout(0.2), new Linear(512, 10));
 * var criterion = new CrossEntropyLoss();
 * Tensor loss = criterion.forward(model.forward(x), labels);
 * }</pre>
 */
package dev.nabla.nn;
