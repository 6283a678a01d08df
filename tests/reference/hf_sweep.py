"""A wider sweep than the zoo, run by hand (not in CI: about twenty minutes, an hour and a quarter with --files): more
transformers architectures, timm's model families, and diffusers' diffusion models where diffusers is installed,
from tiny configs with random
weights, each analysed live by the Python package (flopscope.analyze, --ops mmengine) and compared with mmengine on
the same module and tensors, module by module (flops, activations, parameters) and in total. The zoo (hf_zoo.py)
keeps the architectures that each add something no other zoo model has; the sweep checks that the rest of the
families users run give the same numbers too.

    PYTHONPATH=build/python python tests/reference/hf_sweep.py [--markdown docs/validation-sweep.md]
        [--files build/flopscope] [NAME ...]

With NAMEs, --markdown rewrites those models' rows and keeps the others'.

Each model is also analysed shape-only (shape_only=True: meta tensors, or fake ones where the forward reads values)
and compared with the same reference.

--files CLI: each model is also exported twice (torch.export.export, the training IR: static shapes, and every input
dimension Dim.AUTO as export_zoo.py does) and saved as .pt2 files, and each file is analysed by the command-line
tool (--ops mmengine) and compared with the same mmengine reference: every module's flops, activations and
parameters, and the total. An op mmengine leaves unsupported may differ in
number (an export adds mask ops of its own; export_differences.py names them for the zoo): those are printed,
not failed.

Exit 1 when a model differs from mmengine. A model mmengine cannot trace is compared with FlopCounterMode instead,
on the matrix products (most of a transformer's work; on the CPU FlopCounterMode counts no attention and no
_grouped_mm).
"""
import argparse
import copy
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_zoo import VOCAB, bind, hf, ids  # noqa: E402
from export_zoo import auto_shapes  # noqa: E402
from make_reference import flop_counter_mode, mmengine_reference  # noqa: E402
from train_step_parity import FCM, MATMUL  # noqa: E402  (the matrix-product ops of each side)

import flopscope  # noqa: E402

DECODER = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
               num_key_value_heads=2, max_position_embeddings=128)
ENCODER = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
               max_position_embeddings=128)
SEQ2SEQ = dict(vocab_size=VOCAB, d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
               decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128, max_position_embeddings=128)
TOKENS, PAIR = [ids(32)], [ids(32), ("decoder_input_ids", [1, 16], "int64")]
IMAGE = [("pixel_values", [1, 3, 32, 32], "float32")]
IMAGE_64 = [("pixel_values", [1, 3, 64, 64], "float32")]
MOE = dict(num_experts_per_tok=2)
# Vision-language models: a language model's ids with image tokens (id IMAGE) where the image's features go, and a
# tiny vision tower; a 32 x 32 image in 8 x 8 patches is 16 patches.
IMAGE_TOKEN = 999
TEXT = dict(DECODER, max_position_embeddings=256, use_cache=False)
VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32,
              patch_size=8)
VISUAL = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, image_size=32,
              patch_size=8)  # a vision transformer on its own


def image_tokens(n, text=8):
    """Token ids that start with n image tokens (the image's features replace them), then text."""
    return ("input_ids", [1, n + text], "int64", [IMAGE_TOKEN] * n)


# Qwen2-VL and Qwen2.5-VL take the image as its 16 patches flattened (3 channels x 2 frames x 8 x 8), its grid
# (1 frame x 4 x 4 patches), and ids with a vision-start token and the 4 tokens the 2 x 2 merge leaves.
QWEN_VL_INPUTS = [("input_ids", [1, 13], "int64", [998] + [IMAGE_TOKEN] * 4), ("pixel_values", [16, 384], "float32"),
                  ("image_grid_thw", [1, 3], "int64", [1, 4, 4]),
                  ("mm_token_type_ids", [1, 13], "int64", [0, 1, 1, 1, 1] + [0] * 8)]
QWEN_VL_TEXT = dict(TEXT, rope_scaling=dict(type="mrope", mrope_section=[2, 2, 4]))
QWEN_VL_IDS = dict(image_token_id=IMAGE_TOKEN, vision_start_token_id=998, video_token_id=997)
T5GEMMA_HALF = dict(DECODER, head_dim=16, sliding_window=16)  # its encoder's and its decoder's configuration

DIFFUSERS = "diffusers"  # in place of a transformers configuration class: a diffusers model, configured by keywords
TIMM = "timm"  # in place of a configuration class: a timm model by its name, its keyword arguments as configuration

# timm's families beyond the zoo's four (ConvNeXt, EfficientNet, Swin, ViT): (name, image size, keyword arguments),
# each at its smallest variant; transformers shrunk where timm takes the image size (and depth, for the deep ones).
TIMM_MODELS = [
    # convolutional: residual, grouped, dense, multi-branch, re-parameterisable, weight-standardised
    ("resnet10t", 64, {}), ("regnetx_002", 64, {}), ("res2net50_26w_4s", 64, {}), ("skresnet18", 64, {}),
    ("resnest14d", 64, {}), ("dpn48b", 64, {}), ("densenet121", 64, {}), ("dla34", 64, {}),
    ("hrnet_w18_small", 64, {}), ("inception_v3", 96, {}), ("xception41", 64, {}), ("cspresnet50", 64, {}),
    ("cspdarknet53", 64, {}), ("ese_vovnet19b_dw", 64, {}), ("selecsls42b", 64, {}), ("gernet_s", 64, {}),
    ("repvgg_a0", 64, {}), ("mobileone_s0", 64, {}), ("hgnet_tiny", 64, {}), ("hgnetv2_b0", 64, {}),
    ("tresnet_m", 64, {}), ("nf_resnet26", 64, {}), ("nfnet_l0", 64, {}), ("ecaresnet26t", 64, {}),
    ("gcresnet33ts", 64, {}), ("convnextv2_atto", 64, {}), ("inception_next_tiny", 64, {}),
    ("rdnet_tiny", 64, {}), ("starnet_s050", 64, {}), ("mambaout_femto", 64, {}),
    # mobile
    ("mobilenetv3_small_050", 64, {}), ("mobilenetv4_conv_small", 64, {}), ("ghostnet_050", 64, {}),
    ("ghostnetv2_100", 64, {}), ("rexnet_100", 64, {}), ("repvit_m0_9", 64, {}), ("fastvit_t8", 64, {}),
    ("fastvit_mci0", 64, {}), ("efficientvit_b0", 64, {}), ("efficientvit_m0", 64, dict(img_size=64)),
    ("mobilevit_xxs", 64, {}), ("edgenext_xx_small", 64, {}),
    # attention and token mixing: distilled, class-attention, cross-covariance, pyramid, windowed, nested,
    # focal, pooling, outlook, lambda, bottleneck, multi-scale, convolutional position, rotary
    ("deit_tiny_distilled_patch16_224", 64, dict(img_size=64)), ("cait_xxs24_224", 64, dict(img_size=64, depth=2)),
    ("xcit_nano_12_p16_224", 64, dict(img_size=64, depth=2)), ("pvt_v2_b0", 64, {}),
    ("swinv2_cr_tiny_ns_224", 64, dict(img_size=64, window_size=4)), ("crossvit_tiny_240", 240, {}),
    ("levit_128s", 64, dict(img_size=64)), ("visformer_tiny", 64, dict(img_size=64)),
    ("volo_d1_224", 64, dict(img_size=64)), ("nest_tiny", 64, dict(img_size=64)),
    ("gcvit_xxtiny", 64, dict(img_size=64)), ("davit_tiny", 64, {}), ("focalnet_tiny_srf", 64, {}),
    ("lambda_resnet26t", 64, {}), ("botnet26t_256", 64, dict(img_size=64)), ("convit_tiny", 64, dict(img_size=64)),
    ("pit_ti_224", 64, dict(img_size=64)), ("mvitv2_tiny", 64, dict(img_size=64)),
    ("tnt_s_patch16_224", 64, dict(img_size=64)), ("hiera_tiny_224", 64, dict(img_size=64)),
    ("eva02_tiny_patch14_224", 56, dict(img_size=56)), ("vit_small_patch16_rope_224", 64, dict(img_size=64)),
    ("vit_base_patch16_siglip_224", 64, dict(img_size=64, depth=2)), ("nextvit_small", 64, {}),
    ("sequencer2d_s", 64, {}),
    # all-MLP and pooling mixers
    ("mixer_s16_224", 64, dict(img_size=64)), ("resmlp_12_224", 64, dict(img_size=64)),
    ("gmlp_ti16_224", 64, dict(img_size=64)), ("poolformerv2_s12", 64, {}),
]

# name -> (config class, model class, inputs, config)
def ones(name, shape):
    n = 1
    for s in shape:
        n *= s
    return (name, shape, "float32", [1.0] * n)


TS = dict(prediction_length=8, context_length=16, lags_sequence=[1, 2, 3], num_time_features=1, d_model=32,
          encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
          encoder_ffn_dim=32, decoder_ffn_dim=32)
TS_INPUTS = [("past_values", [1, 19], "float32"), ("past_time_features", [1, 19, 1], "float32"),
             ones("past_observed_mask", [1, 19]), ("future_time_features", [1, 8, 1], "float32")]
SMALL_VIT = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32,
                 patch_size=8)
# Speech encoders on a tenth of a second of 16 kHz audio, their feature extractor shrunk to two convolutions.
AUDIO = [("input_values", [1, 1600], "float32")]
W2V = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, conv_dim=[16, 16],
           conv_stride=[5, 4], conv_kernel=[10, 4], num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4)
SWEEP = {
    "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", TOKENS, DECODER),
    "qwen3": ("Qwen3Config", "Qwen3ForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "qwen2_moe": ("Qwen2MoeConfig", "Qwen2MoeForCausalLM", TOKENS,
                  dict(DECODER, **MOE, num_experts=4, moe_intermediate_size=32, shared_expert_intermediate_size=64)),
    "qwen3_moe": ("Qwen3MoeConfig", "Qwen3MoeForCausalLM", TOKENS,
                  dict(DECODER, **MOE, head_dim=16, num_experts=4, moe_intermediate_size=32)),
    "mistral": ("MistralConfig", "MistralForCausalLM", TOKENS, dict(DECODER, sliding_window=16)),
    "gemma": ("GemmaConfig", "GemmaForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "gemma2": ("Gemma2Config", "Gemma2ForCausalLM", TOKENS, dict(DECODER, head_dim=16, sliding_window=16)),
    "gemma3": ("Gemma3TextConfig", "Gemma3ForCausalLM", TOKENS, dict(DECODER, head_dim=16, sliding_window=16)),
    "phi": ("PhiConfig", "PhiForCausalLM", TOKENS, DECODER),
    "phi3": ("Phi3Config", "Phi3ForCausalLM", TOKENS, dict(DECODER, pad_token_id=0)),
    "falcon": ("FalconConfig", "FalconForCausalLM", TOKENS,
               dict(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=4)),
    "gpt_neox": ("GPTNeoXConfig", "GPTNeoXForCausalLM", TOKENS, ENCODER),
    "gptj": ("GPTJConfig", "GPTJForCausalLM", TOKENS,
             dict(vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4, rotary_dim=8, n_positions=128)),
    "gpt_bigcode": ("GPTBigCodeConfig", "GPTBigCodeForCausalLM", TOKENS,
                    dict(vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4, n_positions=128)),
    "opt": ("OPTConfig", "OPTForCausalLM", TOKENS,
            dict(vocab_size=VOCAB, hidden_size=64, ffn_dim=128, num_hidden_layers=2, num_attention_heads=4,
                 word_embed_proj_dim=64, max_position_embeddings=128)),
    "bloom": ("BloomConfig", "BloomForCausalLM", TOKENS, dict(vocab_size=VOCAB, hidden_size=64, n_layer=2, n_head=4)),
    "xglm": ("XGLMConfig", "XGLMForCausalLM", TOKENS,
             dict(vocab_size=VOCAB, d_model=64, ffn_dim=128, num_layers=2, attention_heads=4,
                  max_position_embeddings=128)),
    "olmo2": ("Olmo2Config", "Olmo2ForCausalLM", TOKENS, DECODER),
    "olmoe": ("OlmoeConfig", "OlmoeForCausalLM", TOKENS, dict(DECODER, **MOE, num_experts=4)),
    "granitemoe": ("GraniteMoeConfig", "GraniteMoeForCausalLM", TOKENS, dict(DECODER, **MOE, num_local_experts=4)),
    # As many key/value heads as query heads, as DeepSeek-V3 has (128 and 128): with fewer, mmengine's
    # torch.jit.trace and torch.export both stop on a shape mismatch inside the attention (eager runs).
    "deepseek_v3": ("DeepseekV3Config", "DeepseekV3ForCausalLM", TOKENS,
                    dict(DECODER, **MOE, moe_intermediate_size=32, n_routed_experts=4, n_shared_experts=1,
                         first_k_dense_replace=1, kv_lora_rank=16, q_lora_rank=32, qk_rope_head_dim=8,
                         qk_nope_head_dim=8, v_head_dim=16, head_dim=8, n_group=1, topk_group=1,
                         num_key_value_heads=4)),
    "roberta": ("RobertaConfig", "RobertaForMaskedLM", TOKENS, ENCODER),
    "distilbert": ("DistilBertConfig", "DistilBertForMaskedLM", TOKENS,
                   dict(vocab_size=VOCAB, dim=64, hidden_dim=128, n_layers=2, n_heads=4)),
    "deberta_v2": ("DebertaV2Config", "DebertaV2ForMaskedLM", TOKENS, ENCODER),
    "electra": ("ElectraConfig", "ElectraForMaskedLM", TOKENS, dict(ENCODER, embedding_size=32)),
    "mbart": ("MBartConfig", "MBartForConditionalGeneration", PAIR, SEQ2SEQ),
    "marian": ("MarianConfig", "MarianMTModel", PAIR, dict(SEQ2SEQ, decoder_start_token_id=0, pad_token_id=1)),
    "mt5": ("MT5Config", "MT5ForConditionalGeneration", PAIR,
            dict(vocab_size=VOCAB, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_heads=4)),
    "swin": ("SwinConfig", "SwinModel", IMAGE,
             dict(image_size=32, patch_size=4, embed_dim=16, depths=[1, 1], num_heads=[2, 2], window_size=4)),
    "convnext": ("ConvNextConfig", "ConvNextModel", IMAGE, dict(hidden_sizes=[16, 32], depths=[1, 1], num_stages=2)),
    "segformer": ("SegformerConfig", "SegformerForSemanticSegmentation", IMAGE,
                  dict(num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1], hidden_sizes=[16, 32],
                       num_attention_heads=[1, 2], decoder_hidden_size=32, patch_sizes=[7, 3], strides=[4, 2],
                       mlp_ratios=[2, 2])),
    # More MoE, state-space, hybrid and long-context models, and encoder-decoders (MoE ones among them).
    "gpt_oss": ("GptOssConfig", "GptOssForCausalLM", TOKENS,
                dict(DECODER, **MOE, head_dim=16, num_local_experts=4, sliding_window=16,
                     layer_types=["sliding_attention", "full_attention"])),
    "llama4": ("Llama4TextConfig", "Llama4ForCausalLM", TOKENS,
               dict(DECODER, num_experts_per_tok=1, head_dim=16, num_local_experts=4, intermediate_size_mlp=128,
                    interleave_moe_layer_step=1, attention_chunk_size=16)),
    "phimoe": ("PhimoeConfig", "PhimoeForCausalLM", TOKENS, dict(DECODER, **MOE, num_local_experts=4)),
    "jetmoe": ("JetMoeConfig", "JetMoeForCausalLM", TOKENS,
               dict(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_key_value_heads=2, kv_channels=16,
                    intermediate_size=128, num_local_experts=4, num_experts_per_tok=2, max_position_embeddings=128)),
    "glm4_moe": ("Glm4MoeConfig", "Glm4MoeForCausalLM", TOKENS,
                 dict(DECODER, **MOE, head_dim=16, n_routed_experts=4, moe_intermediate_size=32, n_shared_experts=1,
                      first_k_dense_replace=1, n_group=1, topk_group=1)),
    "deepseek_v2": ("DeepseekV2Config", "DeepseekV2ForCausalLM", TOKENS,
                    dict(DECODER, **MOE, moe_intermediate_size=32, n_routed_experts=4, n_shared_experts=1,
                         first_k_dense_replace=1, kv_lora_rank=16, q_lora_rank=32, qk_rope_head_dim=8,
                         qk_nope_head_dim=8, v_head_dim=16, head_dim=8, n_group=1, topk_group=1,
                         num_key_value_heads=4)),
    "qwen3_next": ("Qwen3NextConfig", "Qwen3NextForCausalLM", TOKENS,
                   dict(DECODER, **MOE, head_dim=16, num_experts=4, moe_intermediate_size=32,
                        shared_expert_intermediate_size=64, linear_num_value_heads=4, linear_num_key_heads=2,
                        linear_key_head_dim=16, linear_value_head_dim=16,
                        layer_types=["linear_attention", "full_attention"])),
    "starcoder2": ("Starcoder2Config", "Starcoder2ForCausalLM", TOKENS, DECODER),
    "cohere": ("CohereConfig", "CohereForCausalLM", TOKENS, DECODER),
    "mamba2": ("Mamba2Config", "Mamba2ForCausalLM", TOKENS,
               dict(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_heads=8, head_dim=16, state_size=16,
                    n_groups=1, expand=2, chunk_size=16)),
    "jamba": ("JambaConfig", "JambaForCausalLM", TOKENS,
              dict(DECODER, num_experts=4, num_experts_per_tok=2, attn_layer_period=2, attn_layer_offset=1,
                   expert_layer_period=2, expert_layer_offset=1, mamba_d_state=8, mamba_d_conv=4, mamba_expand=2,
                   use_mamba_kernels=False)),
    "bamba": ("BambaConfig", "BambaForCausalLM", TOKENS,
              dict(DECODER, attn_layer_indices=[1], mamba_n_heads=8, mamba_d_head=16, mamba_n_groups=1,
                   mamba_d_state=16, mamba_chunk_size=16, mamba_expand=2)),
    "falcon_h1": ("FalconH1Config", "FalconH1ForCausalLM", TOKENS,
                  dict(DECODER, head_dim=16, mamba_n_heads=8, mamba_d_head=16, mamba_n_groups=1, mamba_d_state=16,
                       mamba_chunk_size=16, mamba_expand=2, mamba_d_ssm=128)),
    "recurrent_gemma": ("RecurrentGemmaConfig", "RecurrentGemmaForCausalLM", TOKENS,
                        dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=3,
                             num_attention_heads=4, num_key_value_heads=1, lru_width=64, attention_window_size=16,
                             block_types=["recurrent", "attention"])),
    "lfm2": ("Lfm2Config", "Lfm2ForCausalLM", TOKENS,
             dict(DECODER, layer_types=["conv", "full_attention"], block_ff_dim=128, block_auto_adjust_ff_dim=False)),
    "rwkv": ("RwkvConfig", "RwkvForCausalLM", TOKENS,
             dict(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, attention_hidden_size=64,
                  intermediate_size=128, context_length=128)),
    "modernbert": ("ModernBertConfig", "ModernBertForMaskedLM", TOKENS,
                   dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                        num_attention_heads=4, global_attn_every_n_layers=2, local_attention=16, pad_token_id=0,
                        bos_token_id=1, eos_token_id=2, sep_token_id=2, cls_token_id=1)),
    "pegasus": ("PegasusConfig", "PegasusForConditionalGeneration", PAIR, SEQ2SEQ),
    "led": ("LEDConfig", "LEDForConditionalGeneration", PAIR,
            dict(SEQ2SEQ, attention_window=[16, 16], max_encoder_position_embeddings=128,
                 max_decoder_position_embeddings=128)),
    "longt5": ("LongT5Config", "LongT5ForConditionalGeneration", PAIR,
               dict(vocab_size=VOCAB, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_heads=4, local_radius=8)),
    "t5gemma": ("T5GemmaConfig", "T5GemmaForConditionalGeneration", PAIR,
                dict(vocab_size=VOCAB, encoder=T5GEMMA_HALF, decoder=T5GEMMA_HALF)),
    "switch_transformers": ("SwitchTransformersConfig", "SwitchTransformersForConditionalGeneration", PAIR,
                            dict(vocab_size=VOCAB, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2,
                                 num_heads=4, num_experts=4, encoder_sparse_step=1, decoder_sparse_step=1)),
    "nllb_moe": ("NllbMoeConfig", "NllbMoeForConditionalGeneration", PAIR,
                 dict(SEQ2SEQ, num_experts=4, expert_capacity=64, encoder_sparse_step=1, decoder_sparse_step=1)),
    # Vision-language models.
    "llava": ("LlavaConfig", "LlavaForConditionalGeneration", [image_tokens(16), *IMAGE],
              dict(vision_config=dict(VISION, model_type="clip_vision_model"),
                   text_config=dict(TEXT, model_type="llama"), image_token_index=IMAGE_TOKEN, vision_feature_layer=-1)),
    "paligemma": ("PaliGemmaConfig", "PaliGemmaForConditionalGeneration", [image_tokens(16), *IMAGE],
                  dict(vision_config=dict(VISION, model_type="siglip_vision_model"),
                       text_config=dict(TEXT, model_type="gemma", head_dim=16), image_token_index=IMAGE_TOKEN,
                       projection_dim=64)),
    "gemma3_vision": ("Gemma3Config", "Gemma3ForConditionalGeneration", [image_tokens(4), *IMAGE],
                      dict(vision_config=dict(VISION, model_type="siglip_vision_model"),
                           text_config=dict(TEXT, head_dim=16, sliding_window=16), mm_tokens_per_image=4,
                           image_token_index=IMAGE_TOKEN, boi_token_index=998, eoi_token_index=997)),
    "qwen2_vl": ("Qwen2VLConfig", "Qwen2VLForConditionalGeneration", QWEN_VL_INPUTS,
                 dict(QWEN_VL_IDS, text_config=QWEN_VL_TEXT,
                      vision_config=dict(depth=1, embed_dim=32, hidden_size=64, num_heads=2, patch_size=8,
                                         spatial_merge_size=2, temporal_patch_size=2, in_chans=3, mlp_ratio=2))),
    "qwen2_5_vl": ("Qwen2_5_VLConfig", "Qwen2_5_VLForConditionalGeneration", QWEN_VL_INPUTS,
                   dict(QWEN_VL_IDS, text_config=QWEN_VL_TEXT,
                        vision_config=dict(depth=1, hidden_size=32, out_hidden_size=64, intermediate_size=64,
                                           num_heads=2, patch_size=8, spatial_merge_size=2, temporal_patch_size=2,
                                           in_channels=3, window_size=16, fullatt_block_indexes=[0]))),
    "idefics3": ("Idefics3Config", "Idefics3ForConditionalGeneration",
                 [image_tokens(4), ("pixel_values", [1, 1, 3, 32, 32], "float32")],
                 dict(text_config=dict(TEXT, model_type="llama"), vision_config=VISION, scale_factor=2,
                      image_token_id=IMAGE_TOKEN)),
    "blip2": ("Blip2Config", "Blip2ForConditionalGeneration", [*IMAGE, image_tokens(4)],
              dict(vision_config=VISION, num_query_tokens=4, image_token_index=IMAGE_TOKEN,
                   qformer_config=dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                       intermediate_size=64, encoder_hidden_size=32),
                   text_config=dict(model_type="opt", vocab_size=VOCAB, hidden_size=64, ffn_dim=128,
                                    num_hidden_layers=2, num_attention_heads=4, word_embed_proj_dim=64,
                                    use_cache=False))),
    # Vision transformers and convolutional vision models beyond the zoo's.
    "dinov2": ("Dinov2Config", "Dinov2Model", IMAGE, VISUAL),
    "beit": ("BeitConfig", "BeitModel", IMAGE, dict(VISUAL, use_relative_position_bias=True)),
    "dpt": ("DPTConfig", "DPTForDepthEstimation", IMAGE,
            dict(VISUAL, backbone_out_indices=[0, 1], neck_hidden_sizes=[16, 32], fusion_hidden_size=16,
                 reassemble_factors=[2, 1])),
    "mobilevit": ("MobileViTConfig", "MobileViTModel", IMAGE_64,
                  dict(image_size=64, hidden_sizes=[32, 48, 64], neck_hidden_sizes=[8, 8, 16, 16, 24, 32, 64])),
    "levit": ("LevitConfig", "LevitModel", IMAGE_64,
              dict(image_size=64, hidden_sizes=[32, 48, 64], num_attention_heads=[1, 2, 2], depths=[1, 1, 1],
                   key_dim=[8, 8, 8])),
    # Speech and audio.
    "hubert": ("HubertConfig", "HubertModel", [("input_values", [1, 1600], "float32")],
               dict(ENCODER, conv_dim=[16, 16], conv_stride=[5, 2], conv_kernel=[10, 3], num_conv_pos_embeddings=16,
                    num_conv_pos_embedding_groups=4)),
    "encodec": ("EncodecConfig", "EncodecModel", [("input_values", [1, 1, 800], "float32")],
                dict(hidden_size=32, num_filters=4, upsampling_ratios=[4, 2], codebook_size=64, num_lstm_layers=1)),
    "speecht5": ("SpeechT5Config", "SpeechT5ForTextToSpeech",
                 [ids(16), ("decoder_input_values", [1, 8, 16], "float32")],
                 dict(vocab_size=VOCAB, hidden_size=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                      decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
                      speech_decoder_prenet_units=32, speech_decoder_postnet_units=32, speech_decoder_postnet_layers=2,
                      num_mel_bins=16, max_speech_positions=200, max_text_positions=100, speaker_embedding_dim=16)),
    "musicgen": ("MusicgenDecoderConfig", "MusicgenForCausalLM", [ids(8, batch=2)],
                 dict(vocab_size=VOCAB, hidden_size=64, ffn_dim=128, num_hidden_layers=2, num_attention_heads=4,
                      num_codebooks=2, max_position_embeddings=64)),
    # Token mixing without attention, and relative-attention encoders.
    "fnet": ("FNetConfig", "FNetForMaskedLM", [ids(16)], ENCODER),
    "xlnet": ("XLNetConfig", "XLNetLMHeadModel", [ids(16)], dict(vocab_size=VOCAB, d_model=64, n_layer=2, n_head=4,
                                                                  d_inner=128)),
    "funnel": ("FunnelConfig", "FunnelForMaskedLM", [ids(16)],
               dict(vocab_size=VOCAB, d_model=64, n_head=4, d_head=16, d_inner=128, block_sizes=[1, 1],
                    num_decoder_layers=1)),
    "canine": ("CanineConfig", "CanineModel", [ids(32)],
               dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    downsampling_rate=4, num_hash_buckets=64)),
    # Diffusion models, from diffusers (DIFFUSERS: the model class takes the configuration itself); skipped where
    # diffusers is not installed (pip install diffusers: the setup script does not).
    "sd_unet": (DIFFUSERS, "UNet2DConditionModel",
                [("sample", [1, 4, 16, 16], "float32"), ("timestep", [1], "int64"),
                 ("encoder_hidden_states", [1, 8, 32], "float32")],
                dict(sample_size=16, in_channels=4, out_channels=4, block_out_channels=(32, 64), layers_per_block=1,
                     down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                     up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=32,
                     attention_head_dim=8, norm_num_groups=8)),
    "sd_vae": (DIFFUSERS, "AutoencoderKL", [("sample", [1, 3, 32, 32], "float32")],
               dict(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
                    up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(16, 32), latent_channels=4,
                    norm_num_groups=8, layers_per_block=1)),
    "dit": (DIFFUSERS, "DiTTransformer2DModel",
            [("hidden_states", [1, 4, 8, 8], "float32"), ("timestep", [1], "int64"),
             ("class_labels", [1], "int64", [1])],
            dict(num_attention_heads=2, attention_head_dim=16, in_channels=4, num_layers=2, sample_size=8,
                 patch_size=2, num_embeds_ada_norm=10)),
    "sd3": (DIFFUSERS, "SD3Transformer2DModel",
            [("hidden_states", [1, 4, 8, 8], "float32"), ("encoder_hidden_states", [1, 6, 32], "float32"),
             ("pooled_projections", [1, 16], "float32"), ("timestep", [1], "int64")],
            dict(sample_size=8, patch_size=2, in_channels=4, num_layers=2, attention_head_dim=16,
                 num_attention_heads=2, joint_attention_dim=32, caption_projection_dim=32, pooled_projection_dim=16,
                 out_channels=4, pos_embed_max_size=16)),
    "flux": (DIFFUSERS, "FluxTransformer2DModel",
             [("hidden_states", [1, 16, 16], "float32"), ("encoder_hidden_states", [1, 6, 32], "float32"),
              ("pooled_projections", [1, 16], "float32"), ("timestep", [1], "float32"),
              ("img_ids", [16, 3], "float32"), ("txt_ids", [6, 3], "float32")],
             dict(patch_size=1, in_channels=16, num_layers=1, num_single_layers=1, attention_head_dim=16,
                  num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=16, axes_dims_rope=(4, 6, 6))),
    # More diffusion models: SDXL's UNet (linear projections, two transformer layers in its deeper block),
    # PixArt-alpha, Sana (linear attention), AuraFlow, and the video transformers CogVideoX, Wan and HunyuanVideo
    # (2 frames of 8 x 8 latents, or one).
    "sdxl_unet": (DIFFUSERS, "UNet2DConditionModel",
                  [("sample", [1, 4, 16, 16], "float32"), ("timestep", [1], "int64"),
                   ("encoder_hidden_states", [1, 8, 32], "float32")],
                  dict(sample_size=16, in_channels=4, out_channels=4, block_out_channels=(32, 64), layers_per_block=1,
                       down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                       up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
                       attention_head_dim=(4, 8), norm_num_groups=8, transformer_layers_per_block=(1, 2),
                       use_linear_projection=True)),
    "pixart": (DIFFUSERS, "PixArtTransformer2DModel",
               [("hidden_states", [1, 4, 8, 8], "float32"), ("encoder_hidden_states", [1, 6, 32], "float32"),
                ("timestep", [1], "int64")],
               dict(num_attention_heads=2, attention_head_dim=16, in_channels=4, out_channels=8, num_layers=2,
                    cross_attention_dim=32, sample_size=8, patch_size=2, caption_channels=32,
                    norm_type="ada_norm_single", use_additional_conditions=False, num_embeds_ada_norm=1000)),
    "sana": (DIFFUSERS, "SanaTransformer2DModel",
             [("hidden_states", [1, 4, 8, 8], "float32"), ("encoder_hidden_states", [1, 6, 32], "float32"),
              ("timestep", [1], "int64")],
             dict(in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=16, num_layers=2,
                  num_cross_attention_heads=2, cross_attention_head_dim=16, cross_attention_dim=32,
                  caption_channels=32, sample_size=8, patch_size=1)),
    "auraflow": (DIFFUSERS, "AuraFlowTransformer2DModel",
                 [("hidden_states", [1, 4, 8, 8], "float32"), ("encoder_hidden_states", [1, 6, 32], "float32"),
                  ("timestep", [1], "int64")],
                 dict(sample_size=8, patch_size=2, in_channels=4, num_mmdit_layers=1, num_single_dit_layers=1,
                      attention_head_dim=16, num_attention_heads=2, joint_attention_dim=32,
                      caption_projection_dim=32, out_channels=4, pos_embed_max_size=16)),
    "cogvideox": (DIFFUSERS, "CogVideoXTransformer3DModel",
                  [("hidden_states", [1, 2, 4, 8, 8], "float32"), ("encoder_hidden_states", [1, 6, 32], "float32"),
                   ("timestep", [1], "int64")],
                  dict(num_attention_heads=2, attention_head_dim=16, in_channels=4, out_channels=4, time_embed_dim=32,
                       text_embed_dim=32, num_layers=2, sample_width=8, sample_height=8, sample_frames=5,
                       patch_size=2, temporal_compression_ratio=4, max_text_seq_length=6)),
    "wan": (DIFFUSERS, "WanTransformer3DModel",
            [("hidden_states", [1, 4, 2, 8, 8], "float32"), ("timestep", [1], "int64"),
             ("encoder_hidden_states", [1, 6, 32], "float32")],
            dict(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=16, in_channels=4, out_channels=4,
                 text_dim=32, freq_dim=32, ffn_dim=64, num_layers=2, rope_max_seq_len=32)),
    "hunyuan_video": (DIFFUSERS, "HunyuanVideoTransformer3DModel",
                      [("hidden_states", [1, 4, 1, 8, 8], "float32"), ("timestep", [1], "int64"),
                       ("encoder_hidden_states", [1, 6, 32], "float32"),
                       ("encoder_attention_mask", [1, 6], "int64", [1] * 6), ("pooled_projections", [1, 16], "float32"),
                       ("guidance", [1], "float32", [1.0])],
                      dict(in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=16, num_layers=1,
                           num_single_layers=1, num_refiner_layers=1, patch_size=2, patch_size_t=1,
                           text_embed_dim=32, pooled_projection_dim=16, rope_axes_dim=(4, 6, 6))),
    # timm (TIMM: the model's name and keyword arguments), its image positionally, through its own forward.
    **{f"timm_{name}": (TIMM, name, [("x", [1, 3, size, size], "float32")], kwargs)
       for name, size, kwargs in TIMM_MODELS},
    # Newer decoders, MoE and hybrids (transformers 5.23).
    "minimax": ("MiniMaxConfig", "MiniMaxForCausalLM", TOKENS,
                dict(DECODER, **MOE, head_dim=16, num_local_experts=4, block_size=16,
                     layer_types=["linear_attention", "full_attention"])),
    "ernie4_5_moe": ("Ernie4_5_MoeConfig", "Ernie4_5_MoeForCausalLM", TOKENS,
                     dict(DECODER, moe_intermediate_size=32, moe_k=2, moe_num_experts=4, moe_num_shared_experts=1,
                          moe_layer_start_index=1)),
    "hunyuan_moe": ("HunYuanMoEV1Config", "HunYuanMoEV1ForCausalLM", TOKENS,
                    dict(DECODER, head_dim=16, num_experts=4, moe_topk=2)),
    "dots1": ("Dots1Config", "Dots1ForCausalLM", TOKENS,
              dict(DECODER, **MOE, moe_intermediate_size=32, n_routed_experts=4, n_shared_experts=1,
                   first_k_dense_replace=1, sliding_window=16, max_window_layers=2)),
    "longcat_flash": ("LongcatFlashConfig", "LongcatFlashForCausalLM", TOKENS,
                      dict(vocab_size=VOCAB, hidden_size=64, num_layers=2, num_attention_heads=4,
                           num_key_value_heads=4, max_position_embeddings=128, ffn_hidden_size=128, q_lora_rank=32,
                           kv_lora_rank=16, qk_nope_head_dim=8, qk_rope_head_dim=8, head_dim=8, v_head_dim=16,
                           moe_topk=2, n_routed_experts=4, zero_expert_num=2, expert_ffn_hidden_size=32)),
    "smollm3": ("SmolLM3Config", "SmolLM3ForCausalLM", TOKENS, dict(DECODER, no_rope_layer_interval=2, pad_token_id=0)),
    "exaone4": ("Exaone4Config", "Exaone4ForCausalLM", TOKENS,
                dict(DECODER, sliding_window=16, sliding_window_pattern=2)),
    "seed_oss": ("SeedOssConfig", "SeedOssForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "apertus": ("ApertusConfig", "ApertusForCausalLM", TOKENS, DECODER),
    "bitnet": ("BitNetConfig", "BitNetForCausalLM", TOKENS, DECODER),
    "doge": ("DogeConfig", "DogeForCausalLM", TOKENS, dict(DECODER, keep_window_size=16)),
    "doge_moe": ("DogeConfig", "DogeForCausalLM", TOKENS,
                 dict(DECODER, keep_window_size=16, is_moe=True, num_experts=16, num_experts_per_tok=2)),
    "olmo3": ("Olmo3Config", "Olmo3ForCausalLM", TOKENS, dict(DECODER, sliding_window=16)),
    "flex_olmo": ("FlexOlmoConfig", "FlexOlmoForCausalLM", TOKENS, dict(DECODER, **MOE, num_experts=4, pad_token_id=0)),
    "vaultgemma": ("VaultGemmaConfig", "VaultGemmaForCausalLM", TOKENS,
                   dict(DECODER, head_dim=16, sliding_window=16, query_pre_attn_scalar=16)),
    "ministral": ("MinistralConfig", "MinistralForCausalLM", TOKENS,
                  dict(DECODER, head_dim=16, sliding_window=16, layer_types=["sliding_attention", "full_attention"])),
    "afmoe": ("AfmoeConfig", "AfmoeForCausalLM", TOKENS,
              dict(DECODER, **MOE, moe_intermediate_size=32, num_dense_layers=1, head_dim=16, num_experts=4,
                   num_shared_experts=1, global_attn_every_n_layers=2, sliding_window=16)),
    "zamba2": ("Zamba2Config", "Zamba2ForCausalLM", TOKENS,
               dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                    layers_block_type=["mamba", "hybrid"], mamba_d_state=16, n_mamba_heads=8, chunk_size=16,
                    num_attention_heads=4, adapter_rank=8, use_mamba_kernels=False, max_position_embeddings=128)),
    "xlstm": ("xLSTMConfig", "xLSTMForCausalLM", TOKENS,
              dict(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_heads=4, chunk_size=16,
                   autocast_kernel_dtype="float32", return_last_states=False)),
    "granitemoehybrid": ("GraniteMoeHybridConfig", "GraniteMoeHybridForCausalLM", TOKENS,
                         dict(DECODER, **MOE, num_local_experts=4, shared_intermediate_size=64,
                              layer_types=["mamba", "attention"], mamba_n_heads=8, mamba_d_head=16,
                              mamba_d_state=16, mamba_chunk_size=16, mamba_expand=2)),
    "gemma3n": ("Gemma3nTextConfig", "Gemma3nForCausalLM", TOKENS,
                dict(DECODER, num_hidden_layers=4, head_dim=16, sliding_window=16, vocab_size_per_layer_input=VOCAB,
                     hidden_size_per_layer_input=16, laurel_rank=8, altup_num_inputs=2, num_kv_shared_layers=2,
                     layer_types=["sliding_attention", "full_attention"] * 2,
                     activation_sparsity_pattern=[0.95, 0.0, 0.0, 0.0])),
    # Decoders newer still: Gemma 4, DeepSeek-V4 (compressed and sparse attention with their compressors running:
    # compress rates 8 and 4 over 32 tokens, hash-routed MoE, hyper-connections), Qwen4-Exp (linear and indexed
    # attention), Ling's hybrid (Kimi delta attention), MiniCPM3 (MLA), Hunyuan V3 and V4, MiMo-V2-Flash, Solar
    # Open, Laguna, ZAYA, Ministral 3, NanoChat, Granite SWA (dense and MoE), Jais 2, CWM, HyperCLOVA X.
    "gemma4_text": ("Gemma4TextConfig", "Gemma4ForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "deepseek_v4": ("DeepseekV4Config", "DeepseekV4ForCausalLM", TOKENS,
                    dict(DECODER, num_key_value_heads=1, head_dim=16, q_lora_rank=32, o_lora_rank=32, o_groups=2,
                         qk_rope_head_dim=8, moe_intermediate_size=32, n_routed_experts=4, n_shared_experts=1,
                         num_experts_per_tok=2,
                         layer_types=["heavily_compressed_attention", "compressed_sparse_attention"],
                         mlp_layer_types=["hash_moe", "moe"],
                         compress_rates={"compressed_sparse_attention": 4, "heavily_compressed_attention": 8},
                         sliding_window=16, index_n_heads=2, index_head_dim=16, index_topk=4, hc_mult=2,
                         hc_sinkhorn_iters=3)),
    "qwen4_exp": ("Qwen4ExpTextConfig", "Qwen4ExpForCausalLM", TOKENS,
                  dict(DECODER, head_dim=16, linear_key_head_dim=16, linear_value_head_dim=16, linear_num_key_heads=2,
                       linear_num_value_heads=4, moe_intermediate_size=32, shared_expert_intermediate_size=32,
                       num_experts=4, num_experts_per_tok=2, layer_types=["linear_attention", "indexed_attention"],
                       hc_count=2, hc_lowrank=16, indexer_n_heads=2, indexer_kv_heads=1, indexer_head_dim=16,
                       indexer_budget=8, indexer_compress_ratio=4)),
    "bailing_hybrid": ("BailingHybridConfig", "BailingHybridForCausalLM", TOKENS,
                       dict(DECODER, pad_token_id=0, head_dim=16, num_key_value_heads=4,
                            layer_types=["linear_attention", "full_attention"])),
    "minicpm3": ("MiniCPM3Config", "MiniCPM3ForCausalLM", TOKENS,
                 dict(DECODER, q_lora_rank=32, kv_lora_rank=16, qk_nope_head_dim=8, qk_rope_head_dim=8, v_head_dim=16)),
    "hy_v3": ("HYV3Config", "HYV3ForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "hy_v4": ("HYV4Config", "HYV4ForCausalLM", TOKENS, dict(DECODER, pad_token_id=0, head_dim=16)),
    "mimo_v2_flash": ("MiMoV2FlashConfig", "MiMoV2FlashForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "solar_open": ("SolarOpenConfig", "SolarOpenForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "laguna": ("LagunaConfig", "LagunaForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "zaya": ("ZayaConfig", "ZayaForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "ministral3": ("Ministral3Config", "Ministral3ForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "nanochat": ("NanoChatConfig", "NanoChatForCausalLM", TOKENS, DECODER),
    "granite_swa": ("GraniteSWAConfig", "GraniteSWAForCausalLM", TOKENS, DECODER),
    "granitemoe_swa": ("GraniteMoeSWAConfig", "GraniteMoeSWAForCausalLM", TOKENS, DECODER),
    "jais2": ("Jais2Config", "Jais2ForCausalLM", TOKENS, DECODER),
    "cwm": ("CwmConfig", "CwmForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "hyperclovax": ("HyperCLOVAXConfig", "HyperCLOVAXForCausalLM", TOKENS, DECODER),
    "lfm2_moe": ("Lfm2MoeConfig", "Lfm2MoeForCausalLM", TOKENS,
                 dict(DECODER, **MOE, moe_intermediate_size=32, num_dense_layers=1, num_experts=4,
                      layer_types=["conv", "full_attention"])),
    # More decoders: Beam, Flint, HRM-Text (a hierarchical reasoning loop), Inkling and Inkling 2, Kolibri, Mellum,
    # MiniMax-M3's text model, BLT (byte latent: a patcher and local and global transformers), Youtu (MLA) and dots3
    # (MLA with a sparse-attention indexer, its own tiny MLA sizes left at the defaults: heads of 192 + 128).
    "beam": ("BeamConfig", "BeamForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "flint": ("FlintConfig", "FlintForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "hrm_text": ("HrmTextConfig", "HrmTextForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "inkling_text": ("InklingTextConfig", "InklingForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "inkling2_text": ("Inkling2TextConfig", "Inkling2ForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "kolibri1": ("Kolibri1Config", "Kolibri1ForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "mellum": ("MellumConfig", "MellumForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "minimax_m3_vl_text": ("MiniMaxM3VLTextConfig", "MiniMaxM3VLForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "blt": ("BltConfig", "BltForCausalLM", TOKENS,
            dict(encoder_hash_byte_group_vocab=1000, encoder_hash_byte_group_size=[3, 4],
                 patcher_config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=1, num_attention_heads=4,
                                     num_key_value_heads=4),
                 encoder_config=dict(hidden_size=64, hidden_size_global=128, intermediate_size=128,
                                     num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=4),
                 decoder_config=dict(hidden_size=64, hidden_size_global=128, intermediate_size=128,
                                     num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=4),
                 global_config=dict(hidden_size=128, intermediate_size=256, num_hidden_layers=1,
                                    num_attention_heads=4, num_key_value_heads=4))),
    "youtu": ("YoutuConfig", "YoutuForCausalLM", TOKENS,
              dict(DECODER, q_lora_rank=32, kv_lora_rank=16, qk_nope_head_dim=8, qk_rope_head_dim=8, v_head_dim=16)),
    "dots3_note_text": ("Dots3NoteTextConfig", "Dots3NoteForCausalLM", TOKENS,
                        dict(DECODER, head_dim=16, num_key_value_heads=4, pad_token_id=0)),
    # Time series, detection and segmentation, protein, speech and newer vision encoders.
    "autoformer": ("AutoformerConfig", "AutoformerForPrediction", TS_INPUTS, TS),
    # With future values the decoder runs too (teacher forcing, as in training): its self- and cross-attention's
    # autocorrelation over label_length 10 + prediction_length 8 = 18 steps, the encoder's 16 padded to 18.
    "autoformer_decoder": ("AutoformerConfig", "AutoformerForPrediction",
                           [*TS_INPUTS, ("future_values", [1, 8], "float32")], TS),
    # Informer runs its decoder on future_time_features whether or not future values are given, and returns its
    # output only through the distribution's parameters, computed with future values: without them the whole
    # decoder is dead code mmengine's trace drops. With them (teacher forcing) every module is used.
    "informer": ("InformerConfig", "InformerForPrediction", [*TS_INPUTS, ("future_values", [1, 8], "float32")], TS),
    "patchtst": ("PatchTSTConfig", "PatchTSTForPrediction", [("past_values", [1, 32, 2], "float32")],
                 dict(num_input_channels=2, context_length=32, patch_length=8, patch_stride=8, d_model=32,
                      num_hidden_layers=1, num_attention_heads=2, ffn_dim=64, prediction_length=8)),
    "timesfm": ("TimesFmConfig", "TimesFmModelForPrediction", [("past_values", [1, 64], "float32")],
                dict(patch_length=16, context_length=64, horizon_length=16, hidden_size=32, intermediate_size=64,
                     num_hidden_layers=1, num_attention_heads=2, head_dim=16)),
    "esm": ("EsmConfig", "EsmForMaskedLM", [ids(32)],
            dict(ENCODER, pad_token_id=1, mask_token_id=3, position_embedding_type="rotary")),
    "dinov3_vit": ("DINOv3ViTConfig", "DINOv3ViTModel", IMAGE, dict(SMALL_VIT, num_register_tokens=2)),
    "siglip2_vision": ("Siglip2VisionConfig", "Siglip2VisionModel",
                       [("pixel_values", [1, 16, 192], "float32"), ("pixel_attention_mask", [1, 16], "int64", [1] * 16),
                        ("spatial_shapes", [1, 2], "int64", [4, 4])],
                       dict(SMALL_VIT, num_patches=16)),
    # The same with 4 of the 16 patches padded: transformers keeps the pooling head's mask then, in eager too.
    "siglip2_vision_padded": ("Siglip2VisionConfig", "Siglip2VisionModel",
                              [("pixel_values", [1, 16, 192], "float32"),
                               ("pixel_attention_mask", [1, 16], "int64", [1] * 12 + [0] * 4),
                               ("spatial_shapes", [1, 2], "int64", [4, 4])],
                              dict(SMALL_VIT, num_patches=16)),
    "aimv2_vision": ("Aimv2VisionConfig", "Aimv2VisionModel", IMAGE, SMALL_VIT),
    "moonshine": ("MoonshineConfig", "MoonshineForConditionalGeneration",
                  [("input_values", [1, 1600], "float32"), ("decoder_input_ids", [1, 8], "int64")],
                  dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, encoder_num_hidden_layers=1,
                       decoder_num_hidden_layers=1, encoder_num_attention_heads=2, decoder_num_attention_heads=2,
                       max_position_embeddings=128)),
    "rt_detr": ("RTDetrConfig", "RTDetrForObjectDetection", IMAGE_64,
                dict(backbone_config=dict(model_type="rt_detr_resnet", embedding_size=16, hidden_sizes=[16, 32, 64],
                                          depths=[1, 1, 1], layer_type="basic",
                                          out_features=["stage1", "stage2", "stage3"]),
                     encoder_in_channels=[16, 32, 64], d_model=32, encoder_hidden_dim=32, encoder_ffn_dim=64,
                     decoder_ffn_dim=64, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                     decoder_attention_heads=2, decoder_in_channels=[32, 32, 32], num_queries=10, num_labels=4,
                     num_denoising=0, decoder_n_points=2)),
    "d_fine": ("DFineConfig", "DFineForObjectDetection", IMAGE_64,
               dict(backbone_config=dict(model_type="hgnet_v2", stem_channels=[3, 8, 8],
                                         stage_in_channels=[8, 16, 32, 64], stage_mid_channels=[8, 8, 16, 16],
                                         stage_out_channels=[16, 32, 64, 64], hidden_sizes=[16, 32, 64, 64], stage_num_blocks=[1, 1, 1, 1],
                                         stage_downsample=[False, True, True, True],
                                         stage_light_block=[False, False, True, True],
                                         stage_kernel_size=[3, 3, 5, 5], stage_numb_of_layers=[1, 1, 1, 1],
                                         out_features=["stage2", "stage3", "stage4"]),
                    encoder_in_channels=[32, 64, 64], d_model=32, encoder_hidden_dim=32, encoder_ffn_dim=64,
                    decoder_ffn_dim=64, encoder_layers=1, decoder_layers=2, encoder_attention_heads=2,
                    decoder_attention_heads=2, decoder_in_channels=[32, 32, 32], num_queries=10, num_labels=4,
                    num_denoising=0, hidden_expansion=0.5, depth_mult=0.34, eval_idx=-1)),
    "mask2former": ("Mask2FormerConfig", "Mask2FormerForUniversalSegmentation", IMAGE_64,
                    dict(backbone_config=dict(model_type="swin", image_size=64, patch_size=4, embed_dim=16,
                                              depths=[1, 1, 1, 1], num_heads=[1, 1, 2, 2], window_size=4,
                                              out_features=["stage1", "stage2", "stage3", "stage4"]),
                         feature_size=32, mask_feature_size=32, hidden_dim=32, encoder_feedforward_dim=64,
                         dim_feedforward=64, encoder_layers=1, decoder_layers=2, num_attention_heads=2,
                         num_queries=8, num_labels=4, common_stride=4)),
    "sam": ("SamConfig", "SamModel", [*IMAGE_64, ("input_points", [1, 1, 1, 2], "float32", [10.0, 20.0])],
            dict(vision_config=dict(hidden_size=32, output_channels=32, num_hidden_layers=2, num_attention_heads=2,
                                    image_size=64, patch_size=8, mlp_dim=64, window_size=4, global_attn_indexes=[1],
                                    num_pos_feats=16),
                 prompt_encoder_config=dict(hidden_size=32, image_size=64, patch_size=8, mask_input_channels=4),
                 mask_decoder_config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, mlp_dim=64,
                                          iou_head_hidden_dim=32))),
    "vits": ("VitsConfig", "VitsModel", [ids(16)],
             dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, ffn_dim=64,
                  flow_size=16, spectrogram_bins=17, upsample_initial_channel=32, upsample_rates=[2, 2],
                  upsample_kernel_sizes=[4, 4], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]],
                  prior_encoder_num_flows=1, prior_encoder_num_wavenet_layers=1, posterior_encoder_num_wavenet_layers=1,
                  duration_predictor_filter_channels=32, use_stochastic_duration_prediction=False, window_size=2)),
    "efficientloftr": ("EfficientLoFTRConfig", "EfficientLoFTRForKeypointMatching",
                       [("pixel_values", [1, 2, 3, 64, 64], "float32")],
                       dict(stage_in_channels=[1, 16, 16, 32], stage_num_blocks=[1, 1, 1, 1],
                            stage_block_stride=[[2], [1], [2], [2]], stage_block_out_channels=[[16], [16], [32], [32]],
                            stage_block_in_channels=[[1], [16], [16], [32]], out_features=[16, 16, 32, 32],
                            hidden_size=32, num_attention_layers=1, num_attention_heads=8, num_key_value_heads=8,
                            intermediate_size=64, fine_fusion_dims=[32, 32, 16])),
    "mimi": ("MimiConfig", "MimiModel", [("input_values", [1, 1, 960], "float32")],
             dict(hidden_size=32, num_filters=4, upsampling_ratios=[4, 2], codebook_size=64, codebook_dim=32,
                  num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2, head_dim=16,
                  intermediate_size=64, num_quantizers=2, num_semantic_quantizers=1, sliding_window=16,
                  upsample_groups=32, vector_quantization_hidden_dimension=32, use_streaming=False)),
    "dia": ("DiaConfig", "DiaForConditionalGeneration",
            [ids(16), ("decoder_input_ids", [1, 8, 2], "int64")],
            dict(encoder_config=dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                     num_attention_heads=2, num_key_value_heads=2, head_dim=16),
                 decoder_config=dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                     num_attention_heads=2, num_key_value_heads=1, head_dim=16,
                                     cross_num_attention_heads=2, cross_head_dim=16, cross_num_key_value_heads=2,
                                     cross_hidden_size=32, num_channels=2), delay_pattern=[0, 1])),
    "eomt": ("EomtConfig", "EomtForUniversalSegmentation", IMAGE,
             dict(SMALL_VIT, num_hidden_layers=2, num_queries=4, num_blocks=1, num_upscale_blocks=1, num_labels=3)),
    # More decoders, MoE and hybrids users run (transformers 5.23): the families' own attention, norm and MLP code.
    "cohere2": ("Cohere2Config", "Cohere2ForCausalLM", TOKENS, dict(DECODER, sliding_window=16)),
    "ernie4_5": ("Ernie4_5Config", "Ernie4_5ForCausalLM", TOKENS, DECODER),
    "hunyuan_v1_dense": ("HunYuanDenseV1Config", "HunYuanDenseV1ForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "glm": ("GlmConfig", "GlmForCausalLM", TOKENS, dict(DECODER, pad_token_id=0)),
    "glm4": ("Glm4Config", "Glm4ForCausalLM", TOKENS, dict(DECODER, pad_token_id=0)),
    "helium": ("HeliumConfig", "HeliumForCausalLM", TOKENS, dict(DECODER, head_dim=16)),
    "granite": ("GraniteConfig", "GraniteForCausalLM", TOKENS, DECODER),
    "nemotron": ("NemotronConfig", "NemotronForCausalLM", TOKENS, DECODER),
    "stablelm": ("StableLmConfig", "StableLmForCausalLM", TOKENS, DECODER),
    "persimmon": ("PersimmonConfig", "PersimmonForCausalLM", TOKENS, DECODER),
    "diffllama": ("DiffLlamaConfig", "DiffLlamaForCausalLM", TOKENS, DECODER),
    "olmo": ("OlmoConfig", "OlmoForCausalLM", TOKENS, DECODER),
    "arcee": ("ArceeConfig", "ArceeForCausalLM", TOKENS, DECODER),
    "codegen": ("CodeGenConfig", "CodeGenForCausalLM", TOKENS,
                dict(vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4, rotary_dim=8, n_positions=128)),
    "biogpt": ("BioGptConfig", "BioGptForCausalLM", TOKENS, ENCODER),
    "mpt": ("MptConfig", "MptForCausalLM", TOKENS, dict(vocab_size=VOCAB, d_model=64, n_layers=2, n_heads=4,
                                                         max_seq_len=128)),
    "gpt_neo": ("GPTNeoConfig", "GPTNeoForCausalLM", TOKENS,
                dict(vocab_size=VOCAB, hidden_size=64, num_layers=2, num_heads=4,
                     attention_types=[[["global", "local"], 1]], window_size=16, max_position_embeddings=128)),
    "ctrl": ("CTRLConfig", "CTRLLMHeadModel", TOKENS,
             dict(vocab_size=VOCAB, n_embd=64, dff=128, n_layer=2, n_head=4, n_positions=128)),
    "mixtral": ("MixtralConfig", "MixtralForCausalLM", TOKENS, dict(DECODER, **MOE, num_local_experts=4)),
    "minimax_m2": ("MiniMaxM2Config", "MiniMaxM2ForCausalLM", TOKENS,
                   dict(DECODER, **MOE, head_dim=16, num_local_experts=4)),
    "hunyuan_v1_moe": ("HunYuanMoEV1Config", "HunYuanMoEV1ForCausalLM", TOKENS,
                       dict(DECODER, **MOE, head_dim=16, num_experts=4, moe_intermediate_size=32)),
    "cohere2_moe": ("Cohere2MoeConfig", "Cohere2MoeForCausalLM", TOKENS,
                    dict(DECODER, **MOE, sliding_window=16, num_experts=4, num_local_experts=4,
                         moe_intermediate_size=32)),
    "granitemoeshared": ("GraniteMoeSharedConfig", "GraniteMoeSharedForCausalLM", TOKENS,
                         dict(DECODER, **MOE, num_local_experts=4, shared_intermediate_size=64)),
    "exaone_moe": ("ExaoneMoeConfig", "ExaoneMoeForCausalLM", TOKENS,
                   dict(DECODER, **MOE, head_dim=16, num_experts=4, moe_intermediate_size=32)),
    "glm4_moe_lite": ("Glm4MoeLiteConfig", "Glm4MoeLiteForCausalLM", TOKENS,
                      dict(DECODER, **MOE, n_routed_experts=4, moe_intermediate_size=32, n_group=1, topk_group=1,
                           kv_lora_rank=16, q_lora_rank=32, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=16,
                           num_key_value_heads=4, first_k_dense_replace=1)),
    "deepseek_v32": ("DeepseekV32Config", "DeepseekV32ForCausalLM", TOKENS,
                     dict(DECODER, **MOE, n_routed_experts=4, moe_intermediate_size=32, n_group=1, topk_group=1,
                          kv_lora_rank=16, q_lora_rank=32, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=16,
                          num_key_value_heads=4, head_dim=8, mlp_layer_types=["dense", "sparse"],
                          layer_types=["indexed_attention"] * 2, index_head_dim=16, index_n_heads=2, index_topk=8)),
    "dbrx": ("DbrxConfig", "DbrxForCausalLM", TOKENS,
             dict(vocab_size=VOCAB, d_model=64, n_heads=4, n_layers=2, max_seq_len=128,
                  attn_config=dict(kv_n_heads=2, rope_theta=10000.0, clip_qkv=8.0),
                  ffn_config=dict(ffn_hidden_size=32, moe_num_experts=4, moe_top_k=2))),
    # Linear attention and state-space layers next to full attention: one of each.
    "nemotron_h": ("NemotronHConfig", "NemotronHForCausalLM", TOKENS,
                   dict(DECODER, num_hidden_layers=4, layers_block_type=["linear_attention", "moe", "full_attention",
                                                                         "mlp"],
                        head_dim=16, ssm_state_size=16, mamba_num_heads=8, mamba_head_dim=16, n_groups=1,
                        chunk_size=8, n_routed_experts=4, moe_intermediate_size=32,
                        moe_shared_expert_intermediate_size=64, num_experts_per_tok=2, n_group=1, topk_group=1)),
    "kimi_linear": ("KimiLinearConfig", "KimiLinearForCausalLM", TOKENS,
                    dict(DECODER, pad_token_id=0, num_key_value_heads=4, layer_types=["linear_attention",
                                                                                      "full_attention"],
                         mlp_layer_types=["dense", "sparse"], num_experts=4, num_experts_per_token=2,
                         moe_intermediate_size=32, kv_lora_rank=16, q_lora_rank=None, qk_rope_head_dim=8,
                         qk_nope_head_dim=8, v_head_dim=16, linear_head_dim=16, linear_num_heads=4, head_dim=16,
                         num_expert_group=1, topk_group=1)),
    "olmo_hybrid": ("OlmoHybridConfig", "OlmoHybridForCausalLM", TOKENS,
                    dict(DECODER, pad_token_id=0, num_key_value_heads=4, layer_types=["linear_attention",
                                                                                      "full_attention"],
                         linear_num_key_heads=4, linear_num_value_heads=4, linear_key_head_dim=16,
                         linear_value_head_dim=16)),
    "qwen3_5": ("Qwen3_5TextConfig", "Qwen3_5ForCausalLM", TOKENS,
                dict(DECODER, head_dim=16, layer_types=["linear_attention", "full_attention"],
                     linear_num_key_heads=2, linear_num_value_heads=4, linear_key_head_dim=16,
                     linear_value_head_dim=16)),
    "qwen3_5_moe": ("Qwen3_5MoeTextConfig", "Qwen3_5MoeForCausalLM", TOKENS,
                    dict(DECODER, **MOE, head_dim=16, num_experts=4, moe_intermediate_size=32,
                         shared_expert_intermediate_size=64, layer_types=["linear_attention", "full_attention"],
                         linear_num_key_heads=2, linear_num_value_heads=4, linear_key_head_dim=16,
                         linear_value_head_dim=16)),
    "falcon_mamba": ("FalconMambaConfig", "FalconMambaForCausalLM", TOKENS,
                     dict(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, state_size=8, expand=2)),
    "lfm3": ("Lfm3Config", "Lfm3ForCausalLM", TOKENS,
             dict(DECODER, pad_token_id=0, head_dim=16, layer_types=["conv", "full_attention"], sliding_window=16)),
    # More encoder-decoders and encoders.
    "umt5": ("UMT5Config", "UMT5ForConditionalGeneration", PAIR,
             dict(vocab_size=VOCAB, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_heads=4)),
    "plbart": ("PLBartConfig", "PLBartForConditionalGeneration", PAIR, SEQ2SEQ),
    "blenderbot": ("BlenderbotConfig", "BlenderbotForConditionalGeneration", PAIR, SEQ2SEQ),
    "m2m_100": ("M2M100Config", "M2M100ForConditionalGeneration", PAIR, SEQ2SEQ),
    # Full attention: BigBird's block-sparse attention needs longer sequences than the sweep's 32 tokens.
    "big_bird": ("BigBirdConfig", "BigBirdForMaskedLM", TOKENS, dict(ENCODER, attention_type="original_full")),
    "longformer": ("LongformerConfig", "LongformerForMaskedLM", TOKENS, dict(ENCODER, attention_window=8)),
    "convbert": ("ConvBertConfig", "ConvBertForMaskedLM", TOKENS, ENCODER),
    "mpnet": ("MPNetConfig", "MPNetForMaskedLM", TOKENS, ENCODER),
    "roformer": ("RoFormerConfig", "RoFormerForMaskedLM", TOKENS, ENCODER),
    "mobilebert": ("MobileBertConfig", "MobileBertForMaskedLM", TOKENS,
                   dict(ENCODER, embedding_size=32, intra_bottleneck_size=32, true_hidden_size=32)),
    "eurobert": ("EuroBertConfig", "EuroBertForMaskedLM", TOKENS, dict(DECODER, pad_token_id=0)),
    # More vision backbones, detectors and speech encoders (transformers' own, not timm's).
    "vit_mae": ("ViTMAEConfig", "ViTMAEModel", IMAGE, dict(SMALL_VIT, mask_ratio=0.0)),
    "deit": ("DeiTConfig", "DeiTForImageClassificationWithTeacher", IMAGE, SMALL_VIT),
    "yolos": ("YolosConfig", "YolosForObjectDetection", IMAGE,
              dict(SMALL_VIT, num_detection_tokens=4, image_size=[32, 32])),
    "data2vec_vision": ("Data2VecVisionConfig", "Data2VecVisionModel", IMAGE, SMALL_VIT),
    "vitdet": ("VitDetConfig", "VitDetModel", IMAGE,
               dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, mlp_ratio=2, image_size=32,
                    patch_size=8, pretrain_image_size=32)),
    "swinv2": ("Swinv2Config", "Swinv2Model", IMAGE,
               dict(image_size=32, patch_size=4, embed_dim=16, depths=[1, 1], num_heads=[2, 2], window_size=4)),
    "convnextv2": ("ConvNextV2Config", "ConvNextV2Model", IMAGE,
                   dict(hidden_sizes=[16, 32], depths=[1, 1], num_stages=2)),
    "pvt_v2": ("PvtV2Config", "PvtV2Model", IMAGE_64,
               dict(hidden_sizes=[16, 32], depths=[1, 1], num_encoder_blocks=2, num_attention_heads=[1, 2],
                    sr_ratios=[2, 1], patch_sizes=[7, 3], strides=[4, 2], mlp_ratios=[2, 2])),
    "poolformer": ("PoolFormerConfig", "PoolFormerModel", IMAGE_64,
                   dict(hidden_sizes=[16, 32], depths=[1, 1], num_encoder_blocks=2, patch_sizes=[7, 3],
                        strides=[4, 2], padding=[2, 1])),
    # Two blocks a stage: transformers' CvT indexes its stage's drop-path rates by the stage.
    "cvt": ("CvtConfig", "CvtModel", IMAGE_64,
            dict(embed_dim=[16, 32], depth=[2, 2], num_heads=[1, 2], patch_sizes=[7, 3], patch_stride=[4, 2],
                 patch_padding=[2, 1], mlp_ratio=[2.0, 2.0], attention_drop_rate=[0.0, 0.0], drop_rate=[0.0, 0.0],
                 drop_path_rate=[0.0, 0.0], qkv_bias=[True, True], cls_token=[False, True],
                 qkv_projection_method=["dw_bn", "dw_bn"], kernel_qkv=[3, 3], padding_kv=[1, 1], stride_kv=[2, 2],
                 padding_q=[1, 1], stride_q=[1, 1])),
    "focalnet": ("FocalNetConfig", "FocalNetModel", IMAGE_64,
                 dict(embed_dim=16, depths=[1, 1], focal_levels=[2, 2], focal_windows=[3, 3], patch_size=4,
                      image_size=64)),
    "efficientnet": ("EfficientNetConfig", "EfficientNetModel", IMAGE_64,
                     dict(width_coefficient=0.25, depth_coefficient=0.25, image_size=64, hidden_dim=320)),
    "mobilenet_v2": ("MobileNetV2Config", "MobileNetV2Model", IMAGE_64, dict(depth_multiplier=0.25, image_size=64)),
    "regnet": ("RegNetConfig", "RegNetModel", IMAGE_64,
               dict(embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1], groups_width=8)),
    "resnet": ("ResNetConfig", "ResNetModel", IMAGE_64, dict(embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1])),
    "bit": ("BitConfig", "BitModel", IMAGE_64,
            dict(embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1], num_groups=4)),
    "detr": ("DetrConfig", "DetrForObjectDetection", IMAGE_64,
             dict(use_timm_backbone=False, use_pretrained_backbone=False, num_queries=4,
                  backbone_config=dict(model_type="resnet", embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1],
                                       out_features=["stage2"]),
                  d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                  decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64)),
    "wav2vec2_conformer": ("Wav2Vec2ConformerConfig", "Wav2Vec2ConformerModel", AUDIO,
                           dict(W2V, position_embeddings_type="relative")),
    "wav2vec2_bert": ("Wav2Vec2BertConfig", "Wav2Vec2BertModel", [("input_features", [1, 20, 160], "float32")],
                      dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                           feature_projection_input_dim=160)),
    "sew": ("SEWConfig", "SEWModel", AUDIO, dict(W2V, squeeze_factor=2)),
    "unispeech": ("UniSpeechConfig", "UniSpeechModel", AUDIO, W2V),
    "wavlm": ("WavLMConfig", "WavLMModel", AUDIO, W2V),
    "data2vec_audio": ("Data2VecAudioConfig", "Data2VecAudioModel", AUDIO, dict(W2V, num_conv_pos_embeddings=5)),
    "speech_to_text": ("Speech2TextConfig", "Speech2TextForConditionalGeneration",
                       [("input_features", [1, 32, 80], "float32"), ("decoder_input_ids", [1, 8], "int64")],
                       dict(vocab_size=VOCAB, d_model=32, encoder_layers=1, decoder_layers=1,
                            encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
                            decoder_ffn_dim=64, conv_channels=32, input_feat_per_channel=80,
                            max_source_positions=64, max_target_positions=64)),
    "clip_text": ("CLIPTextConfig", "CLIPTextModel", [ids(16)],
                  dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                       num_attention_heads=2, max_position_embeddings=64)),
    "siglip": ("SiglipVisionConfig", "SiglipVisionModel", IMAGE, SMALL_VIT),
    "owlvit_vision": ("OwlViTVisionConfig", "OwlViTVisionModel", IMAGE, SMALL_VIT),
    "glpn": ("GLPNConfig", "GLPNForDepthEstimation", IMAGE_64,
             dict(num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1], hidden_sizes=[16, 32],
                  num_attention_heads=[1, 2], patch_sizes=[7, 3], strides=[4, 2], mlp_ratios=[2, 2],
                  decoder_hidden_size=16)),
    "mgp_str": ("MgpstrConfig", "MgpstrForSceneTextRecognition", [("pixel_values", [1, 3, 32, 128], "float32")],
                dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, mlp_ratio=2.0)),
    # Vision- and audio-language models beyond LLaVA's (transformers 5.23). Pixtral (Mistral 3) merges 2 x 2 of
    # the image's 4 x 4 patches into 4 tokens, InternVL, SmolVLM, Aya Vision, Cohere2 Vision, LFM2-VL and Llama 4
    # shuffle pixels the same way; PerceptionLM pools 2 x 2.
    "mistral3": ("Mistral3Config", "Mistral3ForConditionalGeneration",
                 [image_tokens(4), *IMAGE, ("image_sizes", [1, 2], "int64", [32, 32])],
                 dict(vision_config=dict(VISION, model_type="pixtral", head_dim=16),
                      text_config=dict(TEXT, model_type="mistral", head_dim=16), image_token_index=IMAGE_TOKEN,
                      spatial_merge_size=2, vision_feature_layer=-1)),
    "internvl": ("InternVLConfig", "InternVLForConditionalGeneration", [image_tokens(4), *IMAGE],
                 dict(vision_config=dict(VISION, image_size=[32, 32], patch_size=[8, 8]),
                      text_config=dict(TEXT, model_type="qwen2"), image_token_id=IMAGE_TOKEN, downsample_ratio=0.5,
                      vision_feature_layer=-1)),
    "smolvlm": ("SmolVLMConfig", "SmolVLMForConditionalGeneration",
                [image_tokens(4), ("pixel_values", [1, 1, 3, 32, 32], "float32")],
                dict(text_config=dict(TEXT, model_type="llama"), vision_config=VISION, scale_factor=2,
                     image_token_id=IMAGE_TOKEN)),
    "aya_vision": ("AyaVisionConfig", "AyaVisionForConditionalGeneration", [image_tokens(4), *IMAGE],
                   dict(vision_config=dict(VISION, model_type="siglip_vision_model"),
                        text_config=dict(TEXT, model_type="cohere2", sliding_window=16), image_token_index=IMAGE_TOKEN,
                        downsample_factor=2, vision_feature_layer=-1)),
    "cohere2_vision": ("Cohere2VisionConfig", "Cohere2VisionForConditionalGeneration", [image_tokens(4), *IMAGE],
                       dict(vision_config=dict(VISION, model_type="siglip_vision_model"),
                            text_config=dict(TEXT, model_type="cohere2", sliding_window=16),
                            image_token_id=IMAGE_TOKEN, downsample_factor=2, alignment_intermediate_size=64)),
    "lfm2_vl": ("Lfm2VlConfig", "Lfm2VlForConditionalGeneration",
                [image_tokens(4), ("pixel_values", [1, 16, 192], "float32"),
                 ("pixel_attention_mask", [1, 16], "int64", [1] * 16), ("spatial_shapes", [1, 2], "int64", [4, 4])],
                dict(vision_config=dict(VISION, num_patches=16),
                     text_config=dict(TEXT, layer_types=["conv", "full_attention"]), image_token_id=IMAGE_TOKEN,
                     downsample_factor=2, projector_hidden_size=64)),
    "llama4_vision": ("Llama4Config", "Llama4ForConditionalGeneration", [image_tokens(4), *IMAGE],
                      dict(vision_config=dict(VISION, intermediate_size=128, pixel_shuffle_ratio=0.5,
                                              projector_input_dim=32, projector_output_dim=32, vision_output_dim=32,
                                              rope_theta=10000),
                           text_config=dict(TEXT, head_dim=16, num_local_experts=4, num_experts_per_tok=1,
                                            intermediate_size_mlp=128, interleave_moe_layer_step=1,
                                            attention_chunk_size=16, no_rope_layers=[1, 0]),
                           image_token_index=IMAGE_TOKEN, boi_token_index=998, eoi_token_index=997)),
    "perception_lm": ("PerceptionLMConfig", "PerceptionLMForConditionalGeneration",
                      [image_tokens(4), ("pixel_values", [1, 1, 3, 32, 32], "float32")],
                      dict(vision_config=dict(architecture="vit_pe_core_large_patch14_336",
                                              model_args=dict(embed_dim=32, depth=1, num_heads=2, img_size=(32, 32),
                                                              patch_size=8)),
                           text_config=dict(TEXT, model_type="llama"), image_token_id=IMAGE_TOKEN,
                           projector_pooling_ratio=2)),
    # Qwen3-VL (deep-stacked visual features) and GLM-4.1V take the image as Qwen2-VL does.
    "qwen3_vl": ("Qwen3VLConfig", "Qwen3VLForConditionalGeneration", QWEN_VL_INPUTS,
                 dict(QWEN_VL_IDS, text_config=dict(TEXT, head_dim=16, rope_scaling=dict(
                          rope_type="default", mrope_section=[2, 2, 4], mrope_interleaved=True)),
                      vision_config=dict(depth=2, hidden_size=32, out_hidden_size=64, intermediate_size=64,
                                         num_heads=2, patch_size=8, spatial_merge_size=2, temporal_patch_size=2,
                                         in_channels=3, num_position_embeddings=16, deepstack_visual_indexes=[0]))),
    "glm4v": ("Glm4vConfig", "Glm4vForConditionalGeneration", QWEN_VL_INPUTS,
              dict(image_token_id=IMAGE_TOKEN, video_token_id=997, image_start_token_id=998, image_end_token_id=996,
                   text_config=dict(TEXT, rope_scaling=dict(rope_type="default", mrope_section=[1, 1, 2]),
                                    partial_rotary_factor=0.5),
                   vision_config=dict(depth=1, hidden_size=32, out_hidden_size=64, intermediate_size=64, num_heads=2,
                                      patch_size=8, spatial_merge_size=2, temporal_patch_size=2, in_channels=3,
                                      image_size=32))),
    # LLaVA-NeXT's any-resolution tiling: the 32 x 32 image and one 32 x 32 tile, 16 patches each, 4 newline
    # tokens: 36. Mllama attends to the image through cross-attention layers; Kosmos-2 puts 4 latent queries
    # where its mask says; GIT prepends the image's 16 patches and class token; Fuyu embeds raw 8 x 8 patches.
    "llava_next": ("LlavaNextConfig", "LlavaNextForConditionalGeneration",
                   [image_tokens(36), ("pixel_values", [1, 2, 3, 32, 32], "float32"),
                    ("image_sizes", [1, 2], "int64", [32, 32])],
                   dict(vision_config=dict(VISION, model_type="clip_vision_model"),
                        text_config=dict(TEXT, model_type="llama"), image_token_index=IMAGE_TOKEN,
                        vision_feature_layer=-1, image_grid_pinpoints=[[32, 32]])),
    "mllama": ("MllamaConfig", "MllamaForConditionalGeneration",
               [image_tokens(1, 11), ("pixel_values", [1, 1, 1, 3, 32, 32], "float32"),
                ("aspect_ratio_ids", [1, 1], "int64", [1]), ("aspect_ratio_mask", [1, 1, 1], "int64", [1]),
                ("cross_attention_mask", [1, 12, 1, 1], "int64", [1] * 12)],
               dict(vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                       num_global_layers=1, attention_heads=2, image_size=32, patch_size=8,
                                       max_num_tiles=1, intermediate_layers_indices=[0], vision_output_dim=64,
                                       supported_aspect_ratios=[[1, 1]]),
                    text_config=dict(TEXT, cross_attention_layers=[1], pad_token_id=0),
                    image_token_index=IMAGE_TOKEN)),
    "kosmos2": ("Kosmos2Config", "Kosmos2ForConditionalGeneration",
                [*IMAGE, ("input_ids", [1, 12], "int64"),
                 ("image_embeds_position_mask", [1, 12], "int64", [0] + [1] * 4 + [0] * 7)],
                dict(vision_config=VISION, latent_query_num=4,
                     text_config=dict(vocab_size=VOCAB, embed_dim=64, layers=2, attention_heads=4, ffn_dim=128,
                                      max_position_embeddings=128, use_cache=False))),
    "git": ("GitConfig", "GitForCausalLM", [ids(8), *IMAGE],
            dict(ENCODER, vision_config=VISION)),
    "fuyu": ("FuyuConfig", "FuyuForCausalLM",
             [image_tokens(4), ("image_patches", [1, 4, 192], "float32"),
              ("image_patches_indices", [1, 12], "int64", [0, 1, 2, 3] + [-1] * 8)],
             dict(text_config=dict(TEXT, model_type="persimmon"), patch_size=8, image_token_id=IMAGE_TOKEN)),
    "chameleon": ("ChameleonConfig", "ChameleonForConditionalGeneration", TOKENS,
                  dict(DECODER, vocabulary_map={"<image>": 998},
                       vq_config=dict(embed_dim=8, num_embeddings=16, base_channels=32, channel_multiplier=[1, 2],
                                      num_res_blocks=1, resolution=32, latent_channels=8))),
    # Encoder-decoders over an image: Pix2Struct's 16 flattened patches (row and column first, from 1), Florence-2's
    # DaViT (8 x 8 then 4 x 4 tokens and the pooled one: 17) under BART.
    "pix2struct": ("Pix2StructConfig", "Pix2StructForConditionalGeneration",
                   [("flattened_patches", [1, 16, 194], "float32",
                     [v for i in range(16) for v in [i // 4 + 1, i % 4 + 1] + [0.5] * 192]),
                    ("attention_mask", [1, 16], "int64", [1] * 16), ("decoder_input_ids", [1, 8], "int64")],
                   dict(vision_config=dict(hidden_size=64, d_ff=128, d_kv=16, num_hidden_layers=1,
                                           num_attention_heads=4, patch_embed_hidden_size=192, seq_len=16),
                        text_config=dict(vocab_size=VOCAB, hidden_size=64, d_ff=128, d_kv=16, num_layers=2,
                                         num_heads=4))),
    "florence2": ("Florence2Config", "Florence2ForConditionalGeneration",
                  [image_tokens(17), *IMAGE, ("decoder_input_ids", [1, 8], "int64")],
                  dict(vision_config=dict(embed_dim=[16, 32], depths=[1, 1], num_heads=[1, 2], num_groups=[1, 2],
                                          patch_size=[7, 3], patch_stride=[4, 2], patch_padding=[3, 1],
                                          patch_prenorm=[False, True], window_size=2, projection_dim=64,
                                          max_temporal_embeddings=4, max_position_embeddings=8),
                       text_config=dict(SEQ2SEQ, model_type="bart", use_cache=False),
                       image_token_id=IMAGE_TOKEN)),
    "seamless_m4t_v2_t2t": ("SeamlessM4Tv2Config", "SeamlessM4Tv2ForTextToText", PAIR,
                            dict(SEQ2SEQ, hidden_size=64)),
    # Audio into a language model: 32 mel frames through Whisper-style convolutions (stride 2: 16 positions),
    # pooled (Qwen2-Audio) or stacked by 2 (Voxtral) into 8 audio tokens.
    "qwen2_audio": ("Qwen2AudioConfig", "Qwen2AudioForConditionalGeneration",
                    [("input_ids", [1, 16], "int64", [IMAGE_TOKEN] * 8), ("input_features", [1, 16, 32], "float32"),
                     ("feature_attention_mask", [1, 32], "int64", [1] * 32)],
                    dict(audio_config=dict(d_model=32, encoder_layers=1, encoder_attention_heads=2,
                                           encoder_ffn_dim=64, num_mel_bins=16, max_source_positions=16),
                         text_config=dict(TEXT, model_type="qwen2"), audio_token_index=IMAGE_TOKEN)),
    "voxtral": ("VoxtralConfig", "VoxtralForConditionalGeneration",
                [("input_ids", [1, 12], "int64", [IMAGE_TOKEN] * 8), ("input_features", [1, 16, 32], "float32")],
                dict(audio_config=dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                       intermediate_size=64, num_mel_bins=16, max_source_positions=16),
                     text_config=dict(TEXT, model_type="llama"), audio_token_id=IMAGE_TOKEN)),
    # Audio encoders and codecs: the Audio Spectrogram Transformer, Parakeet's FastConformer CTC, CLAP's HTS-AT, DAC.
    "ast": ("ASTConfig", "ASTForAudioClassification", [("input_values", [1, 64, 32], "float32")],
            dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, max_length=64,
                 num_mel_bins=32, frequency_stride=10, time_stride=10)),
    "parakeet": ("ParakeetCTCConfig", "ParakeetForCTC", [("input_features", [1, 64, 32], "float32")],
                 dict(vocab_size=VOCAB, encoder_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                                            num_attention_heads=2, num_mel_bins=32,
                                                            subsampling_conv_channels=16, conv_kernel_size=9))),
    "clap_audio": ("ClapAudioConfig", "ClapAudioModelWithProjection", [("input_features", [1, 1, 64, 16], "float32")],
                   dict(spec_size=32, window_size=4, num_mel_bins=16, patch_size=4, patch_stride=[4, 4],
                        hidden_size=32, depths=[1, 1], num_attention_heads=[2, 2], patch_embeds_hidden_size=16,
                        projection_dim=16, enable_fusion=False)),
    "dac": ("DacConfig", "DacModel", [("input_values", [1, 1, 512], "float32")],
            dict(encoder_hidden_size=8, downsampling_ratios=[2, 4], decoder_hidden_size=32, n_codebooks=2,
                 codebook_size=16, codebook_dim=4, hidden_size=32, upsampling_ratios=[4, 2])),
    # Dense prediction: Depth Anything and ZoeDepth (DPT necks on DINOv2 and BEiT), UperNet on ConvNeXt, ViTPose,
    # Grounding DINO (Swin and BERT, deformable attention), DINOv2 with registers.
    "depth_anything": ("DepthAnythingConfig", "DepthAnythingForDepthEstimation",
                       [("pixel_values", [1, 3, 28, 28], "float32")],
                       dict(backbone_config=dict(model_type="dinov2", hidden_size=32, intermediate_size=64,
                                                 num_hidden_layers=2, num_attention_heads=2, image_size=28,
                                                 patch_size=14, out_indices=[1, 2], reshape_hidden_states=False),
                            reassemble_hidden_size=32, neck_hidden_sizes=[16, 32], fusion_hidden_size=16,
                            head_hidden_size=8, reassemble_factors=[2, 1])),
    "zoedepth": ("ZoeDepthConfig", "ZoeDepthForDepthEstimation", IMAGE,
                 dict(backbone_config=dict(model_type="beit", hidden_size=32, intermediate_size=64, num_hidden_layers=4,
                                           num_attention_heads=2, image_size=32, patch_size=8, out_indices=[1, 2, 3, 4],
                                           reshape_hidden_states=False, use_relative_position_bias=True),
                      neck_hidden_sizes=[16, 16, 32, 32], fusion_hidden_size=16, bottleneck_features=16,
                      num_relative_features=8, bin_embedding_dim=16, num_attractors=[4, 2, 2, 2],
                      bin_configurations=[dict(n_bins=8, min_depth=1e-3, max_depth=10.0, name="nyu")])),
    "upernet": ("UperNetConfig", "UperNetForSemanticSegmentation", IMAGE_64,
                dict(backbone_config=dict(model_type="convnext", hidden_sizes=[16, 32, 64, 64], depths=[1, 1, 1, 1],
                                          out_features=["stage1", "stage2", "stage3", "stage4"]),
                     hidden_size=32, auxiliary_channels=16, num_labels=4)),
    "vitpose": ("VitPoseConfig", "VitPoseForPoseEstimation", [("pixel_values", [1, 3, 64, 48], "float32")],
                dict(backbone_config=dict(model_type="vitpose_backbone", hidden_size=32, intermediate_size=64,
                                          num_hidden_layers=2, num_attention_heads=2, image_size=[64, 48],
                                          patch_size=[16, 16], out_indices=[2]), num_labels=4)),
    "grounding_dino": ("GroundingDinoConfig", "GroundingDinoForObjectDetection", [*IMAGE_64, ids(8)],
                       dict(backbone_config=dict(model_type="swin", image_size=64, patch_size=4, embed_dim=16,
                                                 depths=[1, 1, 1, 1], num_heads=[1, 1, 2, 2], window_size=2,
                                                 out_indices=[2, 3, 4]),
                            text_config=dict(model_type="bert", vocab_size=VOCAB, hidden_size=32, num_hidden_layers=1,
                                             num_attention_heads=2, intermediate_size=64),
                            d_model=32, encoder_layers=1, decoder_layers=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                            encoder_attention_heads=2, decoder_attention_heads=2, num_queries=10, num_feature_levels=3,
                            encoder_n_points=2, decoder_n_points=2)),
    "dinov2_with_registers": ("Dinov2WithRegistersConfig", "Dinov2WithRegistersModel", IMAGE,
                              dict(VISUAL, num_register_tokens=2)),
}


# Work the eager forward runs and mmengine's torch.jit.trace drops as dead code (its result is never used):
# {model: {module: (MACs, activations)}}. flopscope analyses what runs, so it counts this work: every analysis of the
# model is compared with mmengine's reference plus it, in the module and every module above.
# SigLIP's pooling head, a probe attending over the 16 patches (width 32, 2 heads of 16), which PaliGemma and
# Gemma 3 do not use: query 1 x 32 x 32, keys and values 2 x 16 x 32 x 32, scores and weighted sum 2 heads x
# (1 x 16 x 16), output projection 1 x 32 x 32, with outputs 32 + 2 x 16 x 32 + 2 x 16 + 32 + 32; its norm
# 32 x 5; its MLP 32 x 64 and 64 x 32.
SIGLIP_HEAD = {"model.vision_tower.head.attention": (32 * 32 + 2 * 16 * 32 * 32 + 2 * 2 * 16 * 16 + 32 * 32,
                                                     32 + 2 * 16 * 32 + 2 * 16 + 32 + 32),
               "model.vision_tower.head.layernorm": (32 * 5, 0),
               "model.vision_tower.head.mlp.fc1": (32 * 64, 64), "model.vision_tower.head.mlp.fc2": (64 * 32, 32)}
TRACED_AWAY = {
    # Qwen3-Next's gated delta rule updates its recurrent state after the last chunk though the state is not
    # returned (output_final_state=False): key^T @ v_new per value head, 4 heads x (16 x 64 @ 64 x 16) MACs (32 tokens
    # padded to one chunk of 64), giving a 4 x 16 x 16 state. One layer of linear attention.
    "qwen3_next": {"model.layers.0.linear_attn": (4 * 16 * 64 * 16, 4 * 16 * 16)},
    # The same rule's final state in Qwen3.5 (4 value heads, keys and values of 16) and OLMo Hybrid, and in Kimi
    # Linear's delta attention and Ling's hybrid, which runs it (4 heads of 16): 4 x (16 x 64 @ 64 x 16) MACs, a
    # 4 x 16 x 16 state, in each.
    **{m: {f"model.layers.0.{attention}": (4 * 16 * 64 * 16, 4 * 16 * 16)}
       for m, attention in (("qwen3_5", "linear_attn"), ("qwen3_5_moe", "linear_attn"),
                            ("olmo_hybrid", "linear_attn"), ("kimi_linear", "self_attn"),
                            ("bailing_hybrid", "self_attn"))},
    # BigBird's masked-LM head reads the sequence output; the encoder's pooler (a 64 x 64 linear on the first
    # token, then tanh, which mmengine does not count) still runs.
    "big_bird": {"bert.pooler": (64 * 64, 64)},
    # A pooled output the model does not return. CLIP's vision tower norms its class token (1 x 32, mmengine's
    # layer norm: 5 per element with an affine), LLaVA takes the hidden states before it.
    "llava": {"model.vision_tower.post_layernorm": (32 * 5, 0)},
    # Cohere2 Vision and LFM2-VL (SigLIP2's head, which with every patch valid runs bmm in eager too) leave it unused
    # the same way; Aya Vision also its final norm over the 16 patches (16 x 32 x 5), as it takes the last layer's
    # hidden states before it.
    **{vlm: SIGLIP_HEAD for vlm in ("paligemma", "gemma3_vision", "cohere2_vision", "lfm2_vl")},
    "aya_vision": {**SIGLIP_HEAD, "model.vision_tower.post_layernorm": (16 * 32 * 5, 0)},
    # PerceptionLM reads the hidden states of timm's Perception Encoder, whose attention pool still runs: a latent
    # query attends over the 16 patches and the class token (width 32): query 1 x 32 x 32, keys and values 17 x 32 x
    # 64, output projection 1 x 32 x 32 (mmengine leaves the scaled_dot_product_attention between them uncounted),
    # then its norm (32 x 5) and MLP (32 x 128, 128 x 32).
    "perception_lm": {f"model.vision_tower.timm_model.attn_pool.{m}": work for m, work in (
        ("q", (32 * 32, 32)), ("kv", (17 * 32 * 64, 17 * 64)), ("proj", (32 * 32, 32)), ("norm", (32 * 5, 0)),
        ("mlp.fc1", (32 * 128, 128)), ("mlp.fc2", (128 * 32, 32)))},
    # UperNet's auxiliary head feeds only the loss: on the backbone's third stage (64 channels, 4 x 4), a 3 x 3
    # convolution to 16 channels, its batch norm (mmengine: 2 per element with an affine, in eval) and a 1 x 1
    # classifier to 4 labels; then the model resizes its logits to the 64 x 64 image (bilinear, 4 per output).
    "upernet": {"auxiliary_head.convs.0.conv": (4 * 4 * 16 * 9 * 64, 4 * 4 * 16),
                "auxiliary_head.convs.0.batch_norm": (4 * 4 * 16 * 2, 0),
                "auxiliary_head.classifier": (4 * 4 * 4 * 16, 4 * 4 * 4), "": (4 * 64 * 64 * 4, 0)},
    # DPT's depth head reads the backbone's hidden states; the backbone's final norm over its 16 patches and class
    # token (17 x 64 x 5) goes unused.
    "dpt": {"dpt.layernorm": (17 * 64 * 5, 0)},
    # SpeechT5's stop-token logits (8 decoder steps x 64 -> 2, the reduction factor) feed only the loss.
    "speecht5": {"speech_decoder_postnet.prob_out": (8 * 64 * 2, 8 * 2)},
    # FNet's pooler (the first token through a 64 x 64 linear) is not used by its masked-LM head.
    "fnet": {"fnet.pooler.dense": (64 * 64, 64)},
    # MiniMax's lightning attention (layer 0, linear) updates its K^T V state after the last block though nothing
    # uses it without a cache: 4 heads x (16 x 16 @ 16 x 16) MACs, a 4 x 16 x 16 output.
    "minimax": {"model.layers.0.self_attn": (4 * 16 * 16 * 16, 4 * 16 * 16)},
    # RT-DETR's backbone resizes the pixel mask to each of its 3 feature maps (16 x 16, 8 x 8, 4 x 4 of a 64 x 64
    # image; F.interpolate, nearest: 1 per output element) and the model never reads those masks.
    "rt_detr": {"model.backbone": (16 * 16 + 8 * 8 + 4 * 4, 0)},
    # D-FINE's the same, its feature maps at strides 8, 16, 32: 8 x 8, 4 x 4, 2 x 2.
    "d_fine": {"model.backbone": (8 * 8 + 4 * 4 + 2 * 2, 0)},
    # Mask2Former: the Swin backbone's final norm (SwinModel.layernorm over the last stage's 2 x 2 tokens x 128,
    # 5 per element; SwinBackbone reads the reshaped hidden states); the class logits of the first of the two
    # decoder states (8 queries x 32 -> 5), auxiliary logits only returned with output_auxiliary_logits; and the
    # attention mask the mask predictor makes after the last layer for a next one there is not (bilinear resize of
    # 8 queries' masks to 4 x 4, 4 per output element).
    "mask2former": {"model.pixel_level_module.encoder.swin.layernorm": (4 * 128 * 5, 0),
                    "class_predictor": (8 * 32 * 5, 8 * 5),
                    "model.transformer_module.decoder.mask_predictor": (8 * 4 * 4 * 4, 0)},
    # Grounding DINO's Swin backbone the same final norm as Mask2Former's (2 x 2 tokens x 128).
    "grounding_dino": {"model.backbone.conv_encoder.model.swin.layernorm": (4 * 128 * 5, 0)},
    # EoMT predicts classes before its last block too (4 queries x 32 -> 4); only its masks are used (attention
    # mask), the class logits only for the loss.
    "eomt": {"class_predictor": (4 * 32 * 4, 4 * 4)},
    # Not dead code but a path the trace takes and eager does not: with every patch valid, transformers'
    # create_bidirectional_mask returns None in eager (it reads the mask's values), so the pooling head's
    # nn.MultiheadAttention computes its scores with bmm (1 query x 16 keys x 16, 2 heads); jit.trace keeps the mask
    # and records baddbmm, which mmengine leaves unsupported. siglip2_vision_padded runs baddbmm on both sides.
    "siglip2_vision": {"head.attention": (2 * 1 * 16 * 16, 2 * 1 * 16)},
}

# For a model compared with FlopCounterMode: attention that runs scaled_dot_product_attention's math path on the CPU
# (its mask or head sizes are not the fused kernel's), whose bmm FlopCounterMode counts as a matrix product and
# flopscope as the attention it is, the same MACs: {model: MACs}. dots3's MLA heads (query and key 192, value 128)
# with its indexer's mask: 2 layers x 4 heads x 32 x 32 pairs, Q K^T and P V.
FCM_MATH_ATTENTION = {"dots3_note_text": 2 * 4 * 32 * 32 * (192 + 128)}

# Work a model's code adds when torch.export traces it (is_torchdynamo_exporting()), on top of TRACED_AWAY: the
# .pt2 files are compared with mmengine's reference plus both.
EXPORT_PATH = {
    # Qwen3-Next solves its triangular system with torch.linalg.solve_triangular (counted by neither side) unless it
    # is being exported; then it inverts it by forward substitution and applies the inverse with two products,
    # ut_system @ v_beta and ut_system @ decayed_k_beta: 2 x 4 heads x (64 x 64 @ 64 x 16), two 4 x 64 x 16 outputs.
    "qwen3_next": {"model.layers.0.linear_attn": (2 * 4 * 64 * 64 * 16, 2 * 4 * 64 * 16)},
    # Qwen3.5 and OLMo Hybrid run the same chunked gated delta rule, with the same sizes (4 value heads of 16).
    **{m: {"model.layers.0.linear_attn": (2 * 4 * 64 * 64 * 16, 2 * 4 * 64 * 16)}
       for m in ("qwen3_5", "qwen3_5_moe", "olmo_hybrid")},
    # SigLIP2's pooling head takes the traced path when exported (the export keeps the all-ones mask, and the
    # attention runs baddbmm, unsupported under mmengine): the eager bmm TRACED_AWAY adds is taken back.
    "siglip2_vision": {"head.attention": (-2 * 1 * 16 * 16, -2 * 1 * 16)},
}


def _no_loss():
    """Mask2Former's and EoMT's heads build a Hungarian-matching loss that needs scipy (not installed): the loss
    is never called without labels, and holds no parameters, so a stub stands in for it."""
    import transformers.models.mask2former.modeling_mask2former as m2f
    import transformers.models.eomt.modeling_eomt as eomt

    class NoLoss(torch.nn.Module):
        def __init__(self, config, *args, **kwargs):
            super().__init__()
            self.num_labels, self.eos_coef = config.num_labels, 0.1
            self.register_buffer("empty_weight", torch.ones(config.num_labels + 1))

    m2f.Mask2FormerLoss = eomt.EomtLoss = NoLoss


_no_loss()


def _no_arch_tree():
    """mmengine's architecture printer (make_reference keeps its tree) stops on a submodule set to None
    (Informer's distil convolutions past the last layer); the counts need no tree."""
    import mmengine.analysis.print_helper as ph

    shown = ph.complexity_stats_str

    def tree(*args, **kwargs):
        try:
            return shown(*args, **kwargs)
        except AttributeError:
            return ""

    ph.complexity_stats_str = tree


_no_arch_tree()


def plus(ref, work):
    """mmengine's reference with `work` ({module: (MACs, activations)}) added to each module and every module above
    it; ref itself if there is none."""
    if not work:
        return ref
    run = {**ref, "flops": dict(ref["flops"]), "activations": dict(ref["activations"])}
    for path, (macs, activations) in work.items():
        parts = path.split(".") if path else []  # "": the model's own forward
        for ancestor in [".".join(parts[:i]) for i in range(len(parts) + 1)]:
            run["flops"][ancestor] += macs
            run["activations"][ancestor] += activations
        run["total_flops"] += macs
    return run


def tensors(inputs):
    """Token ids drawn from [0, 100) (every vocabulary here has 1000), images from a normal distribution; an input
    described with values (name, shape, dtype, values) starts with them (image tokens, an image's grid)."""
    g = torch.Generator().manual_seed(1)
    out = []
    for _, shape, dtype, *values in inputs:
        t = torch.randint(0, 100, shape, generator=g) if dtype == "int64" else torch.randn(shape, generator=g)
        if values:
            t.view(-1)[:len(values[0])] = torch.tensor(values[0], dtype=t.dtype)
        out.append(t)
    return tuple(out)


def module_differences(ref, ours, total):
    """Per-module flops, activations and parameters, and the total, of flopscope ({path: module}) against
    mmengine's reference."""
    problems = []
    for stat, key in (("flops", "macs"), ("activations", "activations"), ("parameters", "parameters")):
        for path, theirs in ref[stat].items():
            if stat == "parameters" and path not in ours:
                continue  # parameter_count also lists each parameter by its own name; modules are compared
            mine = ours[path][key] if path in ours else None
            if mine != theirs:
                problems.append(f"{path or 'model'} {stat}: mmengine {theirs}, flopscope {mine}")
    if total != ref["total_flops"]:
        problems.append(f"total: mmengine {ref['total_flops']}, flopscope {total}")
    return problems


EXPORTS = ("static", "dynamic")  # the .pt2 files made of each model


EXPORT_SECONDS = 300  # torch's symbolic shape solver can take far longer on some dynamic exports: given up then


class ExportTookTooLong(Exception):
    pass


def exported_program(model, x, dynamic):
    """torch.export.export(model, x), or ExportTookTooLong after EXPORT_SECONDS (the solver is Python: the alarm's
    exception reaches it)."""
    def give_up(signum, frame):
        raise ExportTookTooLong(f"over {EXPORT_SECONDS} s")

    before = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(EXPORT_SECONDS)
    try:
        return torch.export.export(model, x, dynamic_shapes=dynamic)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def exported_report(cli, model, x, ops, export):
    """(report, None) of the model's .pt2 (`export`: one of EXPORTS) read by the command-line tool, or
    (None, status) when that failed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.pt2")
        try:
            dynamic = auto_shapes(model, x) if export == "dynamic" else None
            torch.export.save(exported_program(model, x, dynamic), path)
        except Exception as e:  # noqa: BLE001  (reported, as export_zoo.py does)
            first = str(e).strip().splitlines()[0][:120] if str(e).strip() else ""
            return None, f"export failed ({type(e).__name__}: {first})"
        command = [cli, "analyze", path, "--ops", ops, "--format", "json", "--quiet"]
        p = subprocess.run(command, capture_output=True, text=True)
        if p.returncode != 0 and "or analyse with --run" in p.stderr:
            # A size only the graph's values decide (an MoE's routing): running the graph reads it.
            p = subprocess.run(command + ["--run"], capture_output=True, text=True)
            if p.returncode == 0:
                return {**json.loads(p.stdout), "ran": True}, None
            if "_assert_scalar" in p.stderr:
                # Inputs the command line makes (zero integers) fail the checks of a program whose sizes come from
                # an input's values (SigLIP2's spatial_shapes): it runs on the model's own inputs, given by file.
                inputs = os.path.join(tmp, "inputs.pt")
                torch.save(tuple(x), inputs)
                p = subprocess.run(command + ["--run", "--inputs", inputs], capture_output=True, text=True)
                if p.returncode == 0:
                    return {**json.loads(p.stdout), "ran": "inputs"}, None
    if p.returncode != 0:
        return None, f"differs: flopscope failed: {p.stderr.strip()[:300]}"
    return json.loads(p.stdout), None


def file_failure(failed):
    """(status, differences, notes) of a file that could not be made or read: flopscope failing is a difference,
    export refusing the model is torch's."""
    return ("differs", [failed], []) if failed.startswith("differs") else (failed, [], [])


def exported_file(cli, model, x, ref, export):
    """(status, differences, notes) of the model's .pt2 read by the command-line tool, against mmengine."""
    report, failed = exported_report(cli, model, x, "mmengine", export)
    if report is None:
        return file_failure(failed)
    problems = module_differences(ref, {m["path"]: m for m in report["modules"]}, report["totals"]["macs"])
    notes = []
    for stat, key in (("unsupported_flops", "macs"), ("unsupported_activations", "activations")):
        theirs = dict(ref[stat])
        mine = {u["op"]: u["count"] for u in report["unsupported"][key]}
        changed = [f"{op} {theirs.get(op, 0)}->{mine.get(op, 0)}" for op in sorted(set(theirs) | set(mine))
                   if theirs.get(op, 0) != mine.get(op, 0)]
        if changed:
            notes.append(f"{stat} (mmengine->flopscope): {', '.join(changed)}")
    ran = {True: " (--run: sizes the routing decides)",
           "inputs": " (run on the model's inputs, whose values decide sizes)"}.get(report.get("ran"), "")
    return ("differs" if problems else "equal" + ran), problems, notes


def factory_of(name):
    """A function that builds the model of that name, its forward bound to take the inputs positionally."""
    config_cls, model_cls, inputs, config = SWEEP[name]
    if config_cls == TIMM:
        def timm_model():
            import timm

            return timm.create_model(model_cls, pretrained=False, **config)

        return timm_model
    if config_cls != DIFFUSERS:
        return hf(config_cls, model_cls, inputs, **config)[0]

    def diffusers_model():
        import diffusers

        return bind(getattr(diffusers, model_cls)(**config), [n for n, *_ in inputs], return_dict=False)

    return diffusers_model


def available(name):
    """Whether the library the model comes from is installed (diffusers is optional)."""
    if SWEEP[name][0] != DIFFUSERS:
        return True
    try:
        import diffusers  # noqa: F401
    except ImportError:
        return False
    return True


def compare(name, cli=None):
    """(status, differences, sizes, files): status 'equal', 'differs' or why mmengine could not run; with a CLI,
    files is {export: (status, differences, notes)} of each exported file (else None)."""
    inputs = SWEEP[name][2]
    torch.manual_seed(0)
    model = factory_of(name)().eval()
    x = tensors(inputs)
    try:
        ref = mmengine_reference(model, x)
    except Exception as e:  # noqa: BLE001  (mmengine's tracer refuses some models: FlopCounterMode instead)
        return matrix_products_against_flop_counter_mode(name, model, x,
                                                         f"mmengine cannot trace it ({type(e).__name__})", cli)
    result = flopscope.analyze(model, x)
    sizes = (len(ref["flops"]), ref["total_flops"])
    run = plus(ref, TRACED_AWAY.get(name))  # what the eager forward runs
    problems = module_differences(run, {m["path"]: m for m in result.modules}, result.flops)
    status = "differs" if problems else "equal" + (" (and the dead code mmengine's trace drops)" if run is not ref
                                                   else "")
    files = {"shape-only": shape_only(model, x, run)}
    if cli is not None:
        exported = plus(run, EXPORT_PATH.get(name))
        files.update({export: exported_file(cli, model, x, exported, export) for export in EXPORTS})
        for export in EXPORTS if exported is not run else ():
            file_status, file_problems, notes = files[export]
            if file_status == "equal":
                files[export] = ("equal (and its export path's products)", file_problems, notes)
    return status, problems, sizes, files


class Refused(Exception):
    """A shape-only analysis refused, with its reason."""


def analyze_shape_only(model, x, **kwargs):
    """(result, dtype note) of flopscope.analyze(shape_only=True), in bf16 where torch's meta kernel for _grouped_mm
    (MoE experts) takes bf16 only (the counts do not depend on the dtype); Refused with the reason otherwise."""
    try:
        return flopscope.analyze(model, x, shape_only=True, **kwargs), ""
    except Exception as e:  # noqa: BLE001  (the refusal's reason, in the table)
        notes = [n[len("flopscope: "):] for n in getattr(e, "__notes__", []) if n.startswith("flopscope: ")]
        if not any("Expected inputs of BF16 type" in n for n in notes):
            # The first note is the reason (what the meta forward needed); the next, why fake tensors failed too.
            raise Refused(notes[0].removeprefix("cannot be analysed shape-only: ").removesuffix("; analyse on cpu")
                          if notes else type(e).__name__) from e
    try:
        return flopscope.analyze(copy.deepcopy(model).to(torch.bfloat16), x, shape_only=True, **kwargs), "bf16, "
    except Exception as e:  # noqa: BLE001
        raise Refused(f"in bf16: {type(e).__name__}") from e


def shape_only(model, x, ref):
    """(status, differences, notes) of the Python package's shape-only analysis (meta tensors, or fake ones where
    the forward reads values) against mmengine. A model refused with its reason is not a wrong number: its status
    says why."""
    try:
        result, dtype = analyze_shape_only(model, x)
    except Refused as e:
        return f"refused ({e})"[:200], [], []
    problems = module_differences(ref, {m["path"]: m for m in result.modules}, result.flops)
    fake = any("fake tensors" in w for w in result.warnings)
    how = dtype + ("fake tensors" if fake else "")
    return ("differs" if problems else "equal" + (f" ({how.rstrip(', ')})" if how else "")), problems, []


def matrix_products_against_flop_counter_mode(name, model, x, why, cli):
    """For a model mmengine cannot trace: flopscope's matrix products (--ops default) against FlopCounterMode's
    (halved to MACs), live and, with a CLI, from the exported .pt2. FlopCounterMode counts no CPU attention and no
    _grouped_mm, so those are left out; attention on the math path, which it counts as bmm, is FCM_MATH_ATTENTION."""
    fcm = flop_counter_mode(model, x)["by_op"]
    theirs = sum(n for op, n in fcm.items() if op in FCM["matmul"]) // 2
    math_attention = FCM_MATH_ATTENTION.get(name, 0)

    def matrix_products(report):
        return sum(o["macs"] for o in report["operators"]["macs"] if o["op"] in MATMUL)

    def against(mine):
        if mine == theirs:
            return f"{why}; matrix products equal FlopCounterMode's", [], []
        if math_attention and mine + math_attention == theirs:
            return f"{why}; matrix products equal FlopCounterMode's less its math-path attention", [], []
        return "differs", [f"matrix products: FlopCounterMode {theirs}, flopscope {mine}"], []

    live = against(matrix_products(json.loads(flopscope.analyze(model, x, ops="default").to_json())))
    files = {}
    try:
        result, dtype = analyze_shape_only(model, x, ops="default")
        status, problems, notes = against(matrix_products(json.loads(result.to_json())))
        files["shape-only"] = (status + (" (bf16)" if dtype and status != "differs" else ""), problems, notes)
    except Refused as e:
        files["shape-only"] = (f"refused ({e})"[:200], [], [])
    if cli is None:
        return (*live[:2], None, files)
    for export in EXPORTS:
        report, failed = exported_report(cli, model, x, "default", export)
        files[export] = against(matrix_products(report)) if report is not None else file_failure(failed)
    return (*live[:2], None, files)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--markdown")
    parser.add_argument("--files", metavar="CLI", help="also export each model to .pt2 and analyse it with this CLI")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("torch._export").setLevel(logging.ERROR)  # Dim.AUTO's note on each batch dimension of 1
    rows, failed = [], False
    for name in args.names or list(SWEEP):
        if not available(name):
            print(f"{name}: skipped (diffusers is not installed)", flush=True)
            continue
        status, problems, sizes, files = compare(name, args.files)
        print(f"{name}: {status}", *problems[:10], sep="\n    ", flush=True)
        failed |= status == "differs"
        for export, (file_status, file_problems, notes) in (files or {}).items():
            what = export if export == "shape-only" else f"{export} .pt2"
            print(f"{name} ({what}): {file_status}", *file_problems[:10], *notes, sep="\n    ", flush=True)
            failed |= file_status == "differs"
        rows.append((name, status, sizes, {export: file[0] for export, file in files.items()} if files else None))
    if args.markdown:
        write_markdown(args.markdown, rows, files=args.files is not None)
    return 1 if failed else 0


def diffusers_version():
    """', diffusers X' where it is installed (the diffusion models' rows need it), else ''."""
    try:
        import diffusers
    except ImportError:
        return ""
    return f", diffusers {diffusers.__version__}"


def kept_rows(path, names=SWEEP):
    """{model: its table row} of the markdown file at path, if there is one, for the models in names."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        cells = [line.split("|") for line in f if line.startswith("| ") and not line.startswith("| model |")]
    return {c[1].strip(): "|".join(c).rstrip("\n") for c in cells if c[1].strip() in names}


def write_markdown(path, rows, files):
    import transformers

    lines = [
        "# A wider sweep of transformers architectures, timm models and diffusion models against mmengine",
        "",
        "Generated by `PYTHONPATH=build/python python tests/reference/hf_sweep.py --markdown "
        f"docs/validation-sweep.md{' --files build/flopscope' if files else ''}` (transformers "
        f"{transformers.__version__}{diffusers_version()}, torch {torch.__version__.split('+')[0]}). "
        "Run by hand, not in CI. Each model is built from a tiny configuration with random weights (the configurations "
        "are in the script), in eval mode, called as `model(*tensors)` with token ids, an image, audio samples, for "
        "the vision-language models ids holding the image's tokens and the image, or, for the diffusion models, "
        "latents, a timestep and text states (timm's models, `timm_*`, take their image positionally, through their "
        "own forward), and analysed live by "
        "the Python package (`flopscope.analyze`, the `mmengine` op set); mmengine's FlopAnalyzer, ActivationAnalyzer "
        "and parameter_count run on the same module and tensors. \"equal\": every module's flops, activations and "
        "parameters and the total flops are mmengine's. The zoo ([validation.md](validation.md)) holds the "
        "architectures checked on every commit, through every file format.",
        "",
    ]
    exports = ("shape-only",) + (EXPORTS if files else ())
    lines += ["\"shape-only\": the Python package's `shape_only=True` analysis of the same module, no arithmetic: on "
              "meta tensors, or, where the forward reads tensor values (transformers' mask checks), on fake tensors "
              "(\"fake tensors\"), where transformers takes the traced path mmengine's reference was made on. An MoE "
              "whose experts run `_grouped_mm` runs in bf16 (\"bf16\"): torch's meta kernel for it takes no fp32. A "
              "refusal is not a wrong number: its reason is given.", ""]
    lines += ["\"and the dead code mmengine's trace drops\", \"and its export path's products\": work the model runs "
              "that mmengine's reference does not show, written out in the script and added to the reference before "
              "comparing. Qwen3-Next updates its recurrent state after the last chunk and never uses it, which "
              "mmengine's `torch.jit.trace` drops as dead code (`TRACED_AWAY`); exported, its code replaces "
              "`solve_triangular` with forward substitution and two matrix products (`EXPORT_PATH`). Qwen3.5 and "
              "OLMo Hybrid run the same rule (the same dead update, the same export path), Kimi Linear's and "
              "Ling's hybrid's delta attention the same dead update. The other dead code is a pooled output the "
              "model computes and does not return: the vision towers' final norm or pooling head under LLaVA, "
              "PaliGemma, Gemma 3, Aya Vision, "
              "Cohere2 Vision and LFM2-VL, the Perception Encoder's attention pool under PerceptionLM, DPT's and "
              "Grounding DINO's backbone norms, SpeechT5's stop-token logits, FNet's and BigBird's poolers; "
              "MiniMax's last state update (like Qwen3-Next's), the pixel masks RT-DETR and D-FINE resize and never "
              "read, Mask2Former's and EoMT's auxiliary class logits, UperNet's auxiliary head. SigLIP2's pooling "
              "head is no dead code but a path: eager drops an all-ones mask and runs bmm, the trace and the "
              "export keep it (baddbmm, unsupported). A .pt2 whose sizes its inputs' values decide (SigLIP2's "
              "spatial_shapes) fails its own check on the inputs the command line makes: it is run on the "
              "model's own inputs, given with --inputs.", ""]
    lines += ["\"mmengine cannot trace it\": mmengine's tracer refused the model (T5Gemma, LeViT, DeepSeek-V3.2, "
              "Qwen4-Exp, MiniCPM3, Hunyuan V4, LLaVA-NeXT, HunyuanVideo), so flopscope's matrix products "
              "(`--ops default`) are compared with FlopCounterMode's, which counts no attention on the CPU.", ""]
    lines += ["A model whose sizes depend on its values, as an MoE's routing does (how many tokens each expert gets), "
              "cannot run shape-only: SwitchTransformers, NLLB-MoE, JetMoE, DBRX and LED are refused with the "
              "reason; so are the vision-language models that check, value by value, that the ids hold as many "
              "image tokens as "
              "the image has features (or read the image's grid as numbers), Encodec, which branches on a "
              "value, and Longformer, which reads whether any token attends globally as a number. In "
              "a .pt2 file such a size is a symbol only the values decide (`u0`); the command-line tool asks for it "
              "(`--dim u0=VALUE`) or, with `--run`, executes the graph on the archive's weights and reads it: "
              "\"(--run: sizes the routing decides)\". An export that failed is torch's refusal, quoted, or "
              f"`ExportTookTooLong`: the export ran past the sweep's limit of {EXPORT_SECONDS} s (torch's symbolic "
              "shape solver on some dynamic exports).", ""]
    if files:
        lines += ["The last two columns: the same model exported with `torch.export.export` (training IR), with static "
                  "shapes and with every input dimension `Dim.AUTO`, saved as `.pt2` files and analysed by the "
                  "command-line tool (`--ops mmengine`), against the same mmengine reference.", ""]
    heads = [e if e == "shape-only" else f"{e} .pt2" for e in exports]
    lines += ["| model | modules | flops (MACs) | against mmengine |" + "".join(f" {h} |" for h in heads),
              "| --- | --- | --- | --- |" + " --- |" * len(exports)]
    table = kept_rows(path)  # a run of some models leaves the other models' rows as they were
    for name, status, sizes, file_status in rows:
        # mmengine's einsum formula makes the total a float: whole, it is written as the integer it is.
        total = None if not sizes else sizes[1] if sizes[1] != int(sizes[1]) else int(sizes[1])
        modules, flops = (sizes[0], f"{total:,}") if sizes else ("-", "-")
        table[name] = (f"| {name} | {modules} | {flops} | {status} |" +
                       "".join(f" {(file_status or {}).get(e, '-')} |" for e in exports))
    lines += [table[name] for name in SWEEP if name in table]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
