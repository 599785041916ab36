{#- The performance tree (program to outcome indicator) of every pemda: the seed ref_pohon_kinerja
    (Samarinda) and the referensi.pohon_kinerja lists other pemda send (macro daftar_per_pemda). -#}
{{ daftar_per_pemda('ref_pohon_kinerja', 'pohon_kinerja') }}
