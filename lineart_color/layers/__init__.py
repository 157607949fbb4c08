"""Reusable Keras layers."""

from lineart_color.layers.adain import AdaIN, adaptive_instance_norm, instance_moments
from lineart_color.layers.adain_residual_block import AdaINResidualBlock
from lineart_color.layers.conv_block import ConvBlock, instance_norm
from lineart_color.layers.encoder import Encoder
from lineart_color.layers.gated_conv import GatedConv, GatedUpConv
from lineart_color.layers.similarity_transform import SimilarityColorTransform, chunked_attention
from lineart_color.layers.style_embedder import StyleEmbedder
from lineart_color.layers.temporal_shift import LearnableTemporalShift, temporal_taps
from lineart_color.layers.upsample_block import UpsampleBlock
