{#- Thin: the logic lives in int_rincian_matched_across_tahap (its header states the rule). -#}
select * from {{ ref('int_rincian_matched_across_tahap') }}  -- noqa: AM04
