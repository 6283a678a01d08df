"""Where the unsupported ops of a torch.export graph legitimately differ from mmengine's torch.jit trace of the
same module (torch 2.11.0, transformers 5.x). export_parity.py reads this list: an unlisted difference fails it,
and so does a listed one that no longer happens. Flops, activations and parameters are never listed: those must
be equal. Each entry: op -> (mmengine's count, the export's count, cause); the counts are the same for
unsupported flops and activations, and for the static and the dynamic export. Line numbers are of the installed
sources (site-packages).
"""

CAUSES = {
    "size-arithmetic": "torch.jit.trace records Python arithmetic on tensor sizes as ATen ops (a size read while "
                       "tracing becomes a traced value); torch.export keeps a static size as a Python int, and a "
                       "symbolic one as `_operator.*` nodes on SymInts, which are no ATen ops. Only mmengine sees "
                       "them: `torch/nn/functional.py` multi_head_attention_forward divides embed_dim by num_heads "
                       "and multiplies bsz * num_heads (3 views) and bsz * tgt_len, per layer; torchvision's "
                       "shifted_window_attention computes its padding (2 rsub), window counts (2 mul) and "
                       "head_dim ** -0.5 (pow) per block, timm's SwinTransformerBlock._attn its padding (2 rsub); "
                       "transformers' repeat_kv multiplies num_key_value_heads * n_rep for keys and values per layer; "
                       "BERT's and BART's position embeddings add past_key_values_length + seq_length.",
    "export-masks": "transformers' masking_utils skips building an SDPA attention mask when the kernel needs none "
                    "(`_ignore_bidirectional_mask_sdpa`, `_ignore_causal_mask_sdpa`), but never while "
                    "torch.export traces (`is_torchdynamo_exporting()`), so the export graph builds every mask: 2 "
                    "`aten::add` each in `sdpa_mask` (arange + 0 for queries and keys), and 1 `aten::le` for a causal "
                    "one (`causal_mask_function`). LLaMA and Mixtral build their causal mask under both tracers, so "
                    "their mask ops agree.",
    "tracer-branch": "The model's own code branches on the tracer: BART's decoder makes an all-ones padding mask "
                     "only when not compiling, which under jit is joined to the causal mask through `and_mask` "
                     "(`new_ones`); T5's `create_position_bias_mask` takes its bool-mask branch (one `where`) for "
                     "every attention call once masks exist (export), and its causal branch for the decoder's "
                     "self-attention only under jit.",
}

EXPORT_DIFFERENCES = {
    # jit-only add: BertEmbeddings seq_length + past_key_values_length (-1); the export's bidirectional mask (+2).
    "hf_bert": {"aten::add": (7, 8, "export-masks")},
    # repeat_kv: 2 per layer x 2 layers.
    "hf_llama_sdpa": {"aten::mul": (27, 23, "size-arithmetic")},
    "hf_llama_eager": {"aten::mul": (29, 25, "size-arithmetic")},
    "hf_mixtral": {"aten::mul": (29, 25, "size-arithmetic")},
    # 3 export-only masks (encoder, decoder causal, cross): +6 add, +1 le; position-bias where: 4 under jit, 8.
    "hf_t5": {"aten::add": (28, 34, "export-masks"), "aten::le": (0, 1, "export-masks"),
              "aten::where": (4, 8, "tracer-branch")},
    # 2 jit-only size adds, 3 export-only masks (+6) against jit's one (-2): 20 - 2 - 2 + 6; and_mask's new_ones.
    "hf_bart": {"aten::add": (20, 22, "export-masks"), "aten::new_ones": (1, 0, "tracer-branch")},
    # the text tower's causal mask: 2 add, 1 le.
    "hf_clip": {"aten::add": (10, 12, "export-masks"), "aten::le": (0, 1, "export-masks")},
    "hf_vit": {"aten::add": (5, 7, "export-masks")},
    # AlbertModel.forward's create_bidirectional_mask: the export's mask (+2).
    "hf_albert": {"aten::add": (12, 14, "export-masks")},
    "hf_wav2vec2": {"aten::add": (5, 7, "export-masks")},
    # per block x 12: 2 rsub (padding), 2 mul (window counts), 1 pow (head_dim ** -0.5); the 12 q * scale muls stay.
    "swin_t": {"aten::mul": (36, 12, "size-arithmetic"), "aten::pow": (12, 0, "size-arithmetic"),
               "aten::rsub": (24, 0, "size-arithmetic")},
    # 2 rsub (padding) x 4 blocks.
    "timm_swin": {"aten::rsub": (8, 0, "size-arithmetic")},
    # multi_head_attention_forward: 1 div and 4 mul per layer x 6.
    "transformer_encoder": {"aten::div": (6, 0, "size-arithmetic"), "aten::mul": (24, 0, "size-arithmetic")},
    # the same x 12 layers, and n_h * n_w in VisionTransformer._process_input.
    "vit_b_16": {"aten::div": (12, 0, "size-arithmetic"), "aten::mul": (49, 0, "size-arithmetic")},
}

# Differences of the dynamic exports beyond the static ones: none (their symbolic size arithmetic is on SymInts).
DYNAMIC_DIFFERENCES = {}
