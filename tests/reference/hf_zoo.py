"""The Hugging Face part of the parity zoo: transformers and timm models from tiny configs, random weights.

Nothing is downloaded: every model is built from a Config object (transformers) or with pretrained=False and
small sizes (timm). Each entry is name -> (factory, inputs), inputs a list of (forward argument name, shape,
dtype) in the order the analysis passes them.

How the inputs reach the model. mmengine (FlopAnalyzer / ActivationAnalyzer) traces model(*inputs) with
torch.jit._get_trace_graph: positional arguments only, no keyword arguments (it would pass a None
positionally, but torch.jit.trace refuses None inputs, and a TorchScript file cannot be given one). flopscope
likewise calls the TorchScript file's forward with one tensor per --full-shape, in order. So every model here is called as model(*tensors), the same call for torch.jit.trace, mmengine, fvcore and
FlopCounterMode:

- timm models take their one tensor positionally, through their own forward;
- transformers models get return_dict=False as a keyword of the call: transformers 5 ignores
  config.return_dict=False in most models (the top level reads its submodules' outputs as attributes and
  fails), and tracing needs a tuple of tensors out. So their forward is bound on the instance (`bind`): the
  tensors, in order, become the keyword arguments named in the entry. For BERT, GPT-2, LLaMA, Mixtral, CLIP,
  wav2vec2 and ViT those are the forward's leading parameters anyway; T5, BART and Whisper take
  decoder_input_ids third, after attention_mask, which we do not pass (a mask's values could change what a
  traced forward does). The module itself, its submodules and their names are unchanged: no wrapper module.
"""
import types

import torch

VOCAB = 1000


def bind(model, names, **fixed):
    """Makes model(*tensors) call the model's forward with those tensors as the keyword arguments `names`
    (plus the fixed keywords), by setting forward on the instance: nn.Module.__call__ and so hooks, tracing and
    every analyser see the original module."""
    forward = type(model).forward

    def positional_forward(self, *tensors):
        assert len(tensors) == len(names), (names, len(tensors))
        return forward(self, **dict(zip(names, tensors)), **fixed)

    model.forward = types.MethodType(positional_forward, model)
    return model


def hf(config_cls, model_cls, inputs, **config):
    def factory():
        import transformers

        transformers.logging.set_verbosity_error()
        cfg = getattr(transformers, config_cls)(**config)
        cfg.use_cache = False
        model = getattr(transformers, model_cls)(cfg)
        return bind(model, [name for name, *_ in inputs], return_dict=False)

    return factory, inputs


def timm_model(name, image, **kwargs):
    def factory():
        import timm

        return timm.create_model(name, pretrained=False, **kwargs)

    return factory, [("x", [1, 3, image, image], "float32")]


def ids(n, batch=1):
    return ("input_ids", [batch, n], "int64")


TINY_DECODER = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128)

HF_ZOO = {
    "hf_bert": hf("BertConfig", "BertForMaskedLM", [ids(32)], vocab_size=VOCAB, hidden_size=64,
                  num_hidden_layers=2, num_attention_heads=4, intermediate_size=128, max_position_embeddings=64),
    "hf_gpt2": hf("GPT2Config", "GPT2LMHeadModel", [ids(32)], vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4,
                  n_positions=64),
    "hf_llama_sdpa": hf("LlamaConfig", "LlamaForCausalLM", [ids(32)], attn_implementation="sdpa", **TINY_DECODER),
    "hf_llama_eager": hf("LlamaConfig", "LlamaForCausalLM", [ids(32)], attn_implementation="eager", **TINY_DECODER),
    "hf_mixtral": hf("MixtralConfig", "MixtralForCausalLM", [ids(32)], num_local_experts=4, num_experts_per_tok=2,
                     **TINY_DECODER),
    # A state-space model: Mamba's selective scan runs as a loop over the tokens on the CPU (16 small matmuls per
    # layer), and its depthwise conv1d is called functionally with the nn.Conv1d's weight, so that module is
    # never called and its cost lands on the mixer.
    "hf_mamba": hf("MambaConfig", "MambaForCausalLM", [ids(16)], vocab_size=VOCAB, hidden_size=64, state_size=8,
                   num_hidden_layers=2, expand=2, conv_kernel=4),
    # One encoder layer shared by both depths (num_hidden_groups=1): each module is called twice per forward.
    "hf_albert": hf("AlbertConfig", "AlbertForMaskedLM", [ids(32)], vocab_size=VOCAB, embedding_size=32,
                    hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    max_position_embeddings=64),
    "hf_t5": hf("T5Config", "T5ForConditionalGeneration", [ids(32), ("decoder_input_ids", [1, 16], "int64")],
                vocab_size=VOCAB, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=4),
    "hf_bart": hf("BartConfig", "BartForConditionalGeneration",
                  [ids(32), ("decoder_input_ids", [1, 16], "int64")], vocab_size=VOCAB, d_model=64,
                  encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                  encoder_ffn_dim=128, decoder_ffn_dim=128, max_position_embeddings=64),
    "hf_whisper": hf("WhisperConfig", "WhisperForConditionalGeneration",
                     [("input_features", [1, 16, 64], "float32"), ("decoder_input_ids", [1, 16], "int64")],
                     vocab_size=VOCAB, num_mel_bins=16, d_model=64, encoder_layers=2, decoder_layers=2,
                     encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=128,
                     decoder_ffn_dim=128, max_source_positions=32, max_target_positions=32,
                     decoder_start_token_id=0, pad_token_id=0, bos_token_id=0, eos_token_id=0),
    "hf_clip": hf("CLIPConfig", "CLIPModel", [ids(16), ("pixel_values", [1, 3, 32, 32], "float32")],
                  text_config=dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                   num_attention_heads=4, max_position_embeddings=32),
                  vision_config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                     num_attention_heads=4, image_size=32, patch_size=8),
                  projection_dim=32),
    "hf_wav2vec2": hf("Wav2Vec2Config", "Wav2Vec2Model", [("input_values", [1, 1600], "float32")],
                      hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                      conv_dim=(32, 32, 32), conv_stride=(5, 4, 2), conv_kernel=(10, 4, 2),
                      num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4),
    "hf_vit": hf("ViTConfig", "ViTModel", [("pixel_values", [1, 3, 32, 32], "float32")], hidden_size=64,
                 num_hidden_layers=2, num_attention_heads=4, intermediate_size=128, image_size=32, patch_size=8),
    "timm_convnext_atto": timm_model("convnext_atto", 64),
    "timm_efficientnet_b0": timm_model("efficientnet_b0", 64),
    "timm_swin": timm_model("swin_tiny_patch4_window7_224", 64, img_size=64, window_size=4, embed_dim=32,
                            depths=(2, 2), num_heads=(2, 4)),
    "timm_vit_tiny": timm_model("vit_tiny_patch16_224", 64, img_size=64),
}
